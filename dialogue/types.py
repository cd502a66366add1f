"""The messages between channels and the dialogue manager."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Literal, Protocol

Channel = Literal["web", "telegram", "terminal", "eval"]
Owner = Literal["bot", "waiting", "staff", "closed"]


@dataclass(frozen=True)
class UserTurn:
    """One shopper message, as a channel hands it over."""

    conversation_id: str
    channel: Channel
    text: str
    message_id: str = ""  # the channel's id for this message: resending it is idempotent
    locale: str = ""  # the channel's hint ("zh", "en"); the text decides when empty
    page_sku: str | None = None  # the product page the shopper is on
    customer_id: int | None = None  # a verified customer (signed widget identity, linked Telegram)
    telegram_id: int | None = None


@dataclass(frozen=True)
class Citation:
    ref: str  # "SKU#field" or "doc/path.md#heading"
    text: str = ""


@dataclass(frozen=True)
class ProductCard:
    sku: str
    title: str
    price: float | None
    currency: str
    image_url: str
    url: str
    in_stock: bool | None
    reason: str = ""  # one grounded sentence: why this product fits


@dataclass(frozen=True)
class SuggestedAction:
    kind: Literal["human", "more_like_this", "details", "track_order", "reply"]
    label: str
    payload: str = ""


@dataclass(frozen=True)
class Typing:
    """The answer is being made."""


@dataclass(frozen=True)
class SentenceOut:
    """A verified sentence, ready to show."""

    text: str
    citations: tuple[Citation, ...] = ()


@dataclass(frozen=True)
class CardsOut:
    cards: tuple[ProductCard, ...]


@dataclass(frozen=True)
class Answer:
    """The whole reply once streaming ends; the last event of a turn."""

    turn_id: str
    text: str
    lang: str
    intent: str
    citations: tuple[Citation, ...] = ()
    cards: tuple[ProductCard, ...] = ()
    actions: tuple[SuggestedAction, ...] = ()
    owner: Owner = "bot"
    handed_off: bool = False
    # the retrieved passages the answer was made from, best first (for evaluation and review)
    sources: tuple[str, ...] = ()
    grounded: bool = False  # at least one sent sentence is backed by a cited fact


AnswerEvent = Typing | SentenceOut | CardsOut | Answer


class DialogueManager(Protocol):
    """What every channel talks to."""

    def handle(self, turn: UserTurn) -> AsyncIterator[AnswerEvent]: ...


@dataclass(frozen=True)
class Feedback:
    conversation_id: str
    turn_id: str | None = None
    thumbs: Literal["up", "down"] | None = None
    csat: int | None = None  # 1..5 for the conversation
    comment: str = ""
    extra: dict[str, str] = field(default_factory=dict)
