"""Where the widget's feedback and card clicks go beyond the web store.

Thumbs and ratings are copied onto the transcript (`Turn.thumbs`,
`Conversation.csat`), which analytics and the staff console read; a click on a
product card is recorded once per (conversation, answer, SKU) for the
recommendation click-through. The API calls these after its own store has
answered, and a failure here never fails the shopper's request.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime
from typing import Literal, Protocol

from sqlalchemy import Engine, and_, insert, select
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session

from analytics.events import CARD_CLICK
from dialogue.transcript_feedback import TranscriptFeedback
from dialogue.transcript_tables import Turn
from dialogue.types import Feedback

log = logging.getLogger(__name__)

ClickOutcome = Literal["recorded", "duplicate", "not_shown", "unavailable"]


class ShopperSignals(Protocol):
    async def feedback(self, feedback: Feedback) -> None:
        """Copy a thumb or a rating onward; never raises."""
        ...

    async def card_click(self, conversation_id: str, turn_id: str, sku: str) -> ClickOutcome:
        """Record a click on a card the answer `turn_id` showed; a repeat is a no-op."""
        ...


class SqlShopperSignals:
    """Both signals into the shop's database (the transcript and analytics tables)."""

    def __init__(self, engine: Engine, transcript_feedback: TranscriptFeedback | None = None):
        self.engine = engine
        self.transcript_feedback = transcript_feedback or TranscriptFeedback(engine)

    async def feedback(self, feedback: Feedback) -> None:
        await self.transcript_feedback(feedback)

    async def card_click(self, conversation_id: str, turn_id: str, sku: str) -> ClickOutcome:
        try:
            return await asyncio.to_thread(self._card_click, conversation_id, turn_id, sku)
        except SQLAlchemyError as exc:
            log.warning("card click for %s not recorded: %s", conversation_id, exc)
            return "unavailable"

    async def aclose(self) -> None:
        await self.transcript_feedback.aclose()

    def _card_click(self, conversation_id: str, turn_id: str, sku: str) -> ClickOutcome:
        with Session(self.engine) as session:
            turn = session.get(Turn, turn_id)
        # The transcript row may still be on its way; when it is there, it must show the card.
        if turn is not None and (
            turn.conversation_id != conversation_id
            or sku not in {str(card.get("sku")) for card in turn.cards if isinstance(card, dict)}
        ):
            return "not_shown"
        c = CARD_CLICK.c
        with self.engine.begin() as connection:
            seen = connection.execute(
                select(c.id)
                .where(
                    and_(c.conversation_id == conversation_id, c.turn_id == turn_id, c.sku == sku)
                )
                .limit(1)
            ).first()
            if seen is not None:
                return "duplicate"
            connection.execute(
                insert(CARD_CLICK).values(
                    conversation_id=conversation_id, turn_id=turn_id, sku=sku, at=datetime.now(UTC)
                )
            )
        return "recorded"
