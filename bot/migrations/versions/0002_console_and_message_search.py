"""Staff console tables, message search, and two transcript columns.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-07

- staff accounts, their sessions and the audit log (`bot.console.staff_tables`);
- tags, notes and answer reviews on conversations (`bot.console.review_tables`);
- `turn_search`, the message search index (`dialogue.message_search`), with its
  full-text extras: an FTS5 table kept in step by triggers on SQLite, a generated
  tsvector column with a GIN index on PostgreSQL;
- `conversation.owner_since` and `turn.model_error`.

Like 0001, this revision creates only what is missing: `kefu staff add` and the
assistant's start create some of these tables with `create_all`, and a database
made by `create_all` from newer models has the columns already. Turns stored
before the search index existed are indexed here, so old messages can be found.
The tables are frozen as they stood at this revision.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from alembic import op

# The same statements the assistant's start runs; each one is "if not exists".
from dialogue.message_search import SEARCH_DDL, SEARCHED_ROLES, search_terms

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | None = None
depends_on: str | None = None

schema = sa.MetaData()
_BACKFILL_BATCH = 1000  # turns read per page while indexing the ones stored before


def _str(length: int | None = None) -> sa.String:
    return sa.String(length)


def _when() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def _pk_int() -> sa.Column[int]:
    return sa.Column("id", sa.Integer(), primary_key=True)


def _col(name: str, type_: sa.types.TypeEngine[Any], nullable: bool = False) -> sa.Column[Any]:
    return sa.Column(name, type_, nullable=nullable)


# 0001's turn table, only the columns this revision reads or refers to; never created here.
turn = sa.Table(
    "turn",
    schema,
    sa.Column("id", _str(64), primary_key=True),
    _col("conversation_id", _str(64)),
    _col("role", _str()),
    _col("text", sa.Text()),
    _col("created_at", _when()),
)

# -- staff accounts -----------------------------------------------------------------
staff_member = sa.Table(
    "staff_member",
    schema,
    _pk_int(),
    _col("email", _str(320)),
    _col("name", _str(200)),
    _col("role", _str(16)),
    _col("password_hash", _str(512)),
    _col("active", sa.Boolean()),
    _col("failed_logins", sa.Integer()),
    _col("locked_until", _when(), nullable=True),
    _col("created_at", _when()),
    _col("last_login_at", _when(), nullable=True),
)
sa.Index("ix_staff_member_email", staff_member.c.email, unique=True)

staff_session = sa.Table(
    "staff_session",
    schema,
    sa.Column("id", _str(64), primary_key=True),
    sa.Column("staff_id", sa.Integer(), sa.ForeignKey("staff_member.id"), nullable=False),
    _col("csrf_token", _str(128)),
    _col("created_at", _when()),
    _col("last_seen_at", _when()),
    _col("expires_at", _when()),
    _col("user_agent", _str(400)),
)
sa.Index("ix_staff_session_expires_at", staff_session.c.expires_at)
sa.Index("ix_staff_session_staff_id", staff_session.c.staff_id)

audit_entry = sa.Table(
    "audit_entry",
    schema,
    _pk_int(),
    _col("at", _when()),
    _col("staff_id", sa.Integer(), nullable=True),
    _col("staff_email", _str(320)),
    _col("action", _str(40)),
    _col("conversation_id", _str(64), nullable=True),
    _col("detail", sa.Text()),
    _col("ip", _str(64)),
)
for _name in ("action", "at", "conversation_id", "staff_id"):
    sa.Index(f"ix_audit_entry_{_name}", audit_entry.c[_name])

# -- conversation review ------------------------------------------------------------
conversation_tag = sa.Table(
    "conversation_tag",
    schema,
    _pk_int(),
    _col("conversation_id", _str(64)),
    _col("tag", _str(40)),
    _col("staff_id", sa.Integer(), nullable=True),
    _col("created_at", _when()),
    sa.UniqueConstraint("conversation_id", "tag"),
)
sa.Index("ix_conversation_tag_conversation_id", conversation_tag.c.conversation_id)
sa.Index("ix_conversation_tag_tag", conversation_tag.c.tag)

conversation_note = sa.Table(
    "conversation_note",
    schema,
    _pk_int(),
    _col("conversation_id", _str(64)),
    _col("staff_id", sa.Integer(), nullable=True),
    _col("staff_name", _str(320)),
    _col("text", sa.Text()),
    _col("created_at", _when()),
)
sa.Index("ix_conversation_note_conversation_id", conversation_note.c.conversation_id)
sa.Index("ix_conversation_note_created_at", conversation_note.c.created_at)

answer_review = sa.Table(
    "answer_review",
    schema,
    _pk_int(),
    _col("turn_id", _str(64)),
    _col("conversation_id", _str(64)),
    _col("staff_id", sa.Integer(), nullable=True),
    _col("staff_name", _str(320)),
    _col("verdict", _str(16)),
    _col("correction", sa.Text()),
    _col("question", sa.Text()),
    _col("lang", _str(8)),
    _col("status", _str(16)),
    _col("created_at", _when()),
    sa.UniqueConstraint("turn_id"),
)
for _name in ("conversation_id", "created_at", "status"):
    sa.Index(f"ix_answer_review_{_name}", answer_review.c[_name])

# -- message search -----------------------------------------------------------------
turn_search = sa.Table(
    "turn_search",
    schema,
    _pk_int(),
    sa.Column(
        "turn_id",
        _str(64),
        sa.ForeignKey("turn.id", ondelete="CASCADE"),
        nullable=False,
        unique=True,
    ),
    _col("conversation_id", _str(64)),
    _col("created_at", _when()),
    _col("terms", sa.Text()),
)
sa.Index("ix_turn_search_conversation_id", turn_search.c.conversation_id)

NEW_TABLES = [
    staff_member,
    staff_session,
    audit_entry,
    conversation_tag,
    conversation_note,
    answer_review,
    turn_search,
]


# Added to 0001's tables, each only where missing. The server default fills the
# turns stored before, and keeps inserts from an older replica during a rolling deploy valid.
def _new_columns() -> dict[str, list[sa.Column[Any]]]:
    return {
        "conversation": [sa.Column("owner_since", _when(), nullable=True)],
        "turn": [sa.Column("model_error", _str(), nullable=False, server_default="")],
    }


def upgrade() -> None:
    bind = op.get_bind()
    schema.create_all(bind, tables=NEW_TABLES, checkfirst=True)
    for table in NEW_TABLES:
        for index in table.indexes:
            index.create(bind, checkfirst=True)
    for table_name, columns in _new_columns().items():
        present = _column_names(bind, table_name)
        missing = [column for column in columns if column.name not in present]
        if missing:
            with op.batch_alter_table(table_name) as batch:
                for column in missing:
                    batch.add_column(column)
    for statement in SEARCH_DDL[bind.dialect.name]:
        bind.execute(sa.text(statement))
    _index_turns_stored_before(bind)


def _column_names(bind: sa.Connection, table_name: str) -> set[str]:
    return {column["name"] for column in sa.inspect(bind).get_columns(table_name)}


def _index_turns_stored_before(bind: sa.Connection) -> None:
    """Index the searchable turns that have no `turn_search` row, a page at a time."""
    last_id = ""
    while True:
        page = bind.execute(
            sa.select(turn.c.id, turn.c.conversation_id, turn.c.text, turn.c.created_at)
            .outerjoin(turn_search, turn_search.c.turn_id == turn.c.id)
            .where(turn_search.c.id.is_(None), turn.c.role.in_(sorted(SEARCHED_ROLES)))
            .where(turn.c.id > last_id)
            .order_by(turn.c.id)
            .limit(_BACKFILL_BATCH)
        ).all()
        if not page:
            return
        rows = [
            {
                "turn_id": row.id,
                "conversation_id": row.conversation_id,
                "created_at": _as_utc(row.created_at),
                "terms": " ".join(terms),
            }
            for row in page
            if (terms := search_terms(row.text))
        ]
        if rows:
            bind.execute(sa.insert(turn_search), rows)
        last_id = page[-1].id


def _as_utc(moment: datetime) -> datetime:
    # SQLite hands datetimes back without a zone; they were stored as UTC.
    return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        op.execute("DROP TABLE IF EXISTS turn_search_fts")  # its triggers go with turn_search
    schema.drop_all(bind, tables=NEW_TABLES, checkfirst=True)
    for table_name, columns in _new_columns().items():
        present = _column_names(bind, table_name)
        for column in columns:
            if column.name in present:
                # ALTER TABLE DROP COLUMN (SQLite 3.35+): a batch copy of the table would
                # drop the original, which SQLite refuses while other tables refer to it.
                op.drop_column(table_name, column.name)
