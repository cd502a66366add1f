"""Where the web gateway keeps conversations: the port and its in-memory implementation.

The store owns the sequence numbers, so replay after a reconnect reads exactly
what was appended. `SqlConversationStore` (bot/web/sql_store.py) keeps the same
contract in SQL; tests run one contract suite over both.
"""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Literal, Protocol, TypeVar

from pydantic import TypeAdapter

from bot.web.events import (
    AnswerEvent,
    ClosedEvent,
    ConversationEvent,
    StaffEvent,
    UserEvent,
    utcnow,
)
from dialogue.types import Feedback

Status = Literal["open", "closed"]
E = TypeVar("E", AnswerEvent, StaffEvent, ClosedEvent)
_EVENT: TypeAdapter[ConversationEvent] = TypeAdapter(ConversationEvent)


class StoreError(Exception):
    """The conversation store failed (database down, unknown conversation)."""


class UnknownConversation(StoreError):
    pass


@dataclass(frozen=True)
class ConversationInfo:
    id: str
    shop: str
    created_at: datetime
    locale: str = ""
    customer_id: int | None = None
    status: Status = "open"
    last_seq: int = 0


def new_conversation_id() -> str:
    # 122 random bits: the id is also the shopper's key to the conversation.
    return uuid.uuid4().hex


class ConversationStore(Protocol):
    async def create(
        self, shop: str, locale: str = "", customer_id: int | None = None
    ) -> ConversationInfo: ...

    async def get(self, conversation_id: str) -> ConversationInfo | None: ...

    async def set_customer(self, conversation_id: str, customer_id: int) -> None: ...

    async def append_user(self, conversation_id: str, event: UserEvent) -> tuple[UserEvent, bool]:
        """Store a shopper message once: (stored event, True), or the earlier copy and False."""
        ...

    async def append(self, conversation_id: str, event: E) -> E:
        """Store a reply event under the next sequence number and return it numbered."""
        ...

    async def events(
        self, conversation_id: str, after_seq: int = 0, limit: int = 500
    ) -> list[ConversationEvent]: ...

    async def answer_to(self, conversation_id: str, message_id: str) -> AnswerEvent | None: ...

    async def has_turn(self, conversation_id: str, turn_id: str) -> bool: ...

    async def record_feedback(self, feedback: Feedback) -> None:
        """Keep one thumb per turn and one CSAT per conversation: the latest wins."""
        ...

    async def feedback(self, conversation_id: str) -> list[Feedback]: ...

    async def ping(self) -> None:
        """Raise StoreError when the store cannot serve requests."""
        ...


@dataclass
class _Conversation:
    info: ConversationInfo
    # Events as JSON text: strings are invisible to the garbage collector, so a big
    # in-memory log does not make every collection slower.
    log: list[str]
    by_message: dict[str, int]  # shopper message id -> seq
    answers: dict[str, int]  # message id -> seq of the answer to it
    turns: set[str]
    feedback: dict[str | None, Feedback]  # turn id -> thumbs; None -> the CSAT


class InMemoryConversationStore:
    """A dict per conversation; for tests, demos and benchmarks. Lost on restart."""

    def __init__(self) -> None:
        self._convs: dict[str, _Conversation] = {}

    def _conv(self, conversation_id: str) -> _Conversation:
        try:
            return self._convs[conversation_id]
        except KeyError:
            raise UnknownConversation(conversation_id) from None

    async def create(
        self, shop: str, locale: str = "", customer_id: int | None = None
    ) -> ConversationInfo:
        info = ConversationInfo(
            id=new_conversation_id(),
            shop=shop,
            created_at=utcnow(),
            locale=locale,
            customer_id=customer_id,
        )
        self._convs[info.id] = _Conversation(info, [], {}, {}, set(), {})
        return info

    async def get(self, conversation_id: str) -> ConversationInfo | None:
        conv = self._convs.get(conversation_id)
        return conv.info if conv else None

    async def set_customer(self, conversation_id: str, customer_id: int) -> None:
        conv = self._conv(conversation_id)
        conv.info = replace(conv.info, customer_id=customer_id)

    def _add(self, conv: _Conversation, event: E | UserEvent, status: Status) -> int:
        seq = conv.info.last_seq + 1
        conv.info = replace(conv.info, last_seq=seq, status=status)
        conv.log.append(event.model_copy(update={"seq": seq}).model_dump_json())
        return seq

    async def append_user(self, conversation_id: str, event: UserEvent) -> tuple[UserEvent, bool]:
        conv = self._conv(conversation_id)
        earlier = conv.by_message.get(event.id)
        if earlier is not None:
            return UserEvent.model_validate_json(conv.log[earlier - 1]), False
        # A message after the end reopens the conversation.
        seq = self._add(conv, event, "open")
        conv.by_message[event.id] = seq
        return event.model_copy(update={"seq": seq}), True

    async def append(self, conversation_id: str, event: E) -> E:
        conv = self._conv(conversation_id)
        status: Status = "closed" if isinstance(event, ClosedEvent) else conv.info.status
        seq = self._add(conv, event, status)
        if isinstance(event, AnswerEvent):
            conv.answers[event.reply_to] = seq
            conv.turns.add(event.turn_id)
        return event.model_copy(update={"seq": seq})

    async def events(
        self, conversation_id: str, after_seq: int = 0, limit: int = 500
    ) -> list[ConversationEvent]:
        log = self._conv(conversation_id).log
        start = max(after_seq, 0)  # seq n sits at index n - 1: the log is dense
        return [_EVENT.validate_json(text) for text in log[start : start + limit]]

    async def answer_to(self, conversation_id: str, message_id: str) -> AnswerEvent | None:
        conv = self._conv(conversation_id)
        seq = conv.answers.get(message_id)
        return AnswerEvent.model_validate_json(conv.log[seq - 1]) if seq else None

    async def has_turn(self, conversation_id: str, turn_id: str) -> bool:
        return turn_id in self._conv(conversation_id).turns

    async def record_feedback(self, feedback: Feedback) -> None:
        conv = self._conv(feedback.conversation_id)
        key = None if feedback.csat is not None else feedback.turn_id
        conv.feedback[key] = feedback

    async def feedback(self, conversation_id: str) -> list[Feedback]:
        return list(self._conv(conversation_id).feedback.values())

    async def ping(self) -> None:
        await asyncio.sleep(0)
