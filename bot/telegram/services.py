"""What the handlers work with, handed to the dispatcher as workflow data (no globals)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Protocol

from bot.telegram.inflight import InFlight
from bot.telegram.outbox import Outbox
from bot.telegram.settings import TelegramSettings
from dialogue.types import DialogueManager, Feedback

log = logging.getLogger(__name__)


class OrderLinks(Protocol):
    """The part of `dialogue.orders.OrderDesk` the gateway uses (blocking SQL: run in threads)."""

    def link_telegram(self, order_id: str, email: str, telegram_id: int) -> int | None: ...

    def customer_for_telegram(self, telegram_id: int) -> int | None: ...


FeedbackSink = Callable[[Feedback], Awaitable[None]]


@dataclass
class DraftSupport:
    """Whether the Bot API server takes sendMessageDraft; learned from the first refusal."""

    wanted: bool = True
    refused: bool = False

    @property
    def usable(self) -> bool:
        return self.wanted and not self.refused


@dataclass
class TelegramServices:
    manager: DialogueManager
    outbox: Outbox
    settings: TelegramSettings
    orders: OrderLinks | None = None
    feedback: FeedbackSink | None = None
    drafts: DraftSupport = field(default_factory=DraftSupport)
    in_flight: InFlight = field(default_factory=InFlight)

    async def customer_for(self, telegram_id: int) -> int | None:
        """The linked customer, looked up off the event loop; None when unknown."""
        if self.orders is None:
            return None
        try:
            return await asyncio.to_thread(self.orders.customer_for_telegram, telegram_id)
        except Exception:  # an unreachable database must not stop the answer
            log.exception("customer lookup for telegram user %s failed", telegram_id)
            return None

    async def link(self, order_id: str, email: str, telegram_id: int) -> int | None:
        if self.orders is None:
            return None
        return await asyncio.to_thread(self.orders.link_telegram, order_id, email, telegram_id)

    async def record_feedback(self, feedback: Feedback) -> None:
        if self.feedback is None:
            return
        try:
            await self.feedback(feedback)
        except Exception:  # feedback is never worth failing the shopper's tap
            log.exception("recording feedback failed")
