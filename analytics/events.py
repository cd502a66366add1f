"""Recommendation clicks: the one event analytics records itself.

Channels call `record_card_click` when a shopper opens a product card the
assistant showed (the widget's card link, a Telegram card button). Click-through
is computed from these rows and the cards logged on assistant turns.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import Engine, Table, delete, insert
from sqlmodel import Field, SQLModel

from analytics.errors import translate_db_errors
from analytics.filters import to_utc


def _utcnow() -> datetime:
    return datetime.now(UTC)


class CardClick(SQLModel, table=True):
    __tablename__ = "analytics_card_click"

    id: int | None = Field(default=None, primary_key=True)
    conversation_id: str = Field(index=True, max_length=64)
    # the assistant turn that showed the card, when the channel knows it
    turn_id: str | None = Field(default=None, max_length=64)
    sku: str = Field(max_length=128)
    at: datetime = Field(default_factory=_utcnow, index=True)


CARD_CLICK: Table = SQLModel.metadata.tables["analytics_card_click"]


def record_card_click(
    engine: Engine,
    conversation_id: str,
    sku: str,
    *,
    turn_id: str | None = None,
    at: datetime | None = None,
) -> None:
    """Store one click on a product card; blocking, so async channels run it in a thread.

    Raises AnalyticsError when the database refuses it.
    """
    row = {
        "conversation_id": conversation_id,
        "sku": sku,
        "turn_id": turn_id,
        "at": to_utc(at) if at is not None else _utcnow(),
    }
    with translate_db_errors(), engine.begin() as connection:
        connection.execute(insert(CARD_CLICK), [row])


def forget_clicks(engine: Engine, conversation_ids: Sequence[str]) -> int:
    """Delete the clicks of these conversations (a forgotten customer's); returns the count."""
    if not conversation_ids:
        return 0
    with translate_db_errors(), engine.begin() as connection:
        result = connection.execute(
            delete(CARD_CLICK).where(CARD_CLICK.c.conversation_id.in_(list(conversation_ids)))
        )
    return int(result.rowcount or 0)
