"""An index on turn (conversation_id, intent) for the inbox's intent filter.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-07

The inbox keeps conversations that have a turn with the chosen intent, newest
activity first: one "exists" probe per conversation. With only the single-column
indexes SQLite (without statistics) answers each probe from the intent index,
walking every turn of that intent, about ten seconds a page at 100k
conversations; with this index each probe is one lookup (`bench.inbox_bench`).

Like 0001 and 0002, this revision creates the index only where it is missing:
a database made by `create_all` from newer models has it already.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | None = None
depends_on: str | None = None

schema = sa.MetaData()

# 0001's turn table, only the columns the index covers; never created here.
turn = sa.Table(
    "turn",
    schema,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("conversation_id", sa.String(64), nullable=False),
    sa.Column("intent", sa.String(), nullable=False),
)
conversation_intent = sa.Index(
    "ix_turn_conversation_id_intent", turn.c.conversation_id, turn.c.intent
)


def upgrade() -> None:
    conversation_intent.create(op.get_bind(), checkfirst=True)


def downgrade() -> None:
    conversation_intent.drop(op.get_bind(), checkfirst=True)
