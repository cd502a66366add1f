"""The conversation log's events: what a shopper said, what kefu or staff answered.

Each event has a sequence number, dense and increasing per conversation. A client
that remembers the last number it saw can ask for everything after it, so a
reconnect replays exactly what it missed: nothing lost, nothing shown twice.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from dialogue.types import Answer, Citation, ProductCard, SentenceOut, SuggestedAction

# A client-made id: letters, digits, "-" and "_"; a UUID fits.
MESSAGE_ID = r"^[A-Za-z0-9_-]{1,64}$"
CONVERSATION_ID = r"^[A-Za-z0-9_-]{8,64}$"


def utcnow() -> datetime:
    return datetime.now(UTC)


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True)


class CitationOut(_Frozen):
    ref: str
    text: str = ""

    @classmethod
    def of(cls, c: Citation) -> CitationOut:
        # typed fields of a frozen dataclass: nothing to validate, so skip the cost
        return cls.model_construct(ref=c.ref, text=c.text)


class CardOut(_Frozen):
    sku: str
    title: str
    price: float | None = None
    currency: str = ""
    image_url: str = ""
    url: str = ""
    in_stock: bool | None = None
    reason: str = ""

    @classmethod
    def of(cls, c: ProductCard) -> CardOut:
        return cls(
            sku=c.sku,
            title=c.title,
            price=c.price,
            currency=c.currency,
            image_url=c.image_url,
            url=c.url,
            in_stock=c.in_stock,
            reason=c.reason,
        )


class ActionOut(_Frozen):
    kind: Literal["human", "more_like_this", "details", "track_order", "reply"]
    label: str
    payload: str = ""

    @classmethod
    def of(cls, a: SuggestedAction) -> ActionOut:
        return cls(kind=a.kind, label=a.label, payload=a.payload)


class SentenceBody(_Frozen):
    text: str
    citations: list[CitationOut] = Field(default_factory=list)

    @classmethod
    def of(cls, s: SentenceOut) -> SentenceBody:
        return cls.model_construct(text=s.text, citations=[CitationOut.of(c) for c in s.citations])


class UserEvent(_Frozen):
    """A shopper message; `id` is the client's message id (resending it is a no-op)."""

    type: Literal["user"] = "user"
    seq: int = 0
    at: datetime = Field(default_factory=utcnow)
    id: str = Field(pattern=MESSAGE_ID)
    text: str
    page_sku: str | None = None


class AnswerEvent(_Frozen):
    """kefu's whole reply to the message `reply_to`, sentence by sentence as streamed."""

    type: Literal["answer"] = "answer"
    seq: int = 0
    at: datetime = Field(default_factory=utcnow)
    reply_to: str
    turn_id: str
    text: str
    lang: str = ""
    intent: str = ""
    sentences: list[SentenceBody] = Field(default_factory=list)
    citations: list[CitationOut] = Field(default_factory=list)
    cards: list[CardOut] = Field(default_factory=list)
    actions: list[ActionOut] = Field(default_factory=list)
    owner: Literal["bot", "waiting", "staff", "closed"] = "bot"
    handed_off: bool = False

    @classmethod
    def of(
        cls,
        answer: Answer,
        reply_to: str,
        sentences: list[SentenceBody],
        cards: list[CardOut],
    ) -> AnswerEvent:
        # A manager that did not stream still gets its text shown as one sentence.
        if not sentences and answer.text:
            sentences = [
                SentenceBody(
                    text=answer.text, citations=[CitationOut.of(c) for c in answer.citations]
                )
            ]
        return cls(
            reply_to=reply_to,
            turn_id=answer.turn_id,
            text=answer.text,
            lang=answer.lang,
            intent=answer.intent,
            sentences=sentences,
            citations=[CitationOut.of(c) for c in answer.citations],
            cards=cards,
            actions=[ActionOut.of(a) for a in answer.actions],
            owner=answer.owner,
            handed_off=answer.handed_off,
        )


class StaffEvent(_Frozen):
    """A message typed by a member of the shop's staff."""

    type: Literal["staff"] = "staff"
    seq: int = 0
    at: datetime = Field(default_factory=utcnow)
    text: str
    author: str = ""


class ClosedEvent(_Frozen):
    """The conversation ended; the widget asks for a rating."""

    type: Literal["closed"] = "closed"
    seq: int = 0
    at: datetime = Field(default_factory=utcnow)
    by: Literal["shopper", "staff", "bot"] = "shopper"


ConversationEvent = Annotated[
    UserEvent | AnswerEvent | StaffEvent | ClosedEvent, Field(discriminator="type")
]
# The events a store appends without deduplication (everything but shopper messages).
ReplyEvent = AnswerEvent | StaffEvent | ClosedEvent
