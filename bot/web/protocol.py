"""The wire formats: WebSocket frames both ways and the HTTP API's bodies.

Every frame is one JSON object with a "type". The server's durable frames are the
conversation events of bot/web/events.py (they carry "seq"); the frames here are
the live ones that are not logged: typing, streamed sentences, cards, errors.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from bot.web.events import (
    CONVERSATION_ID,
    MESSAGE_ID,
    AnswerEvent,
    CardOut,
    CitationOut,
    ConversationEvent,
    UserEvent,
)

ErrorCode = Literal[
    "bad_request",
    "too_long",
    "too_large",
    "rate_limited",
    "origin_not_allowed",
    "unknown_conversation",
    "bad_identity",
    "unavailable",
    "not_found",
]


class _Frame(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")


# ---- client -> server -------------------------------------------------------------


class HelloFrame(_Frame):
    """The first frame on a socket: start a conversation or resume one."""

    type: Literal["hello"]
    conversation_id: str | None = Field(default=None, pattern=CONVERSATION_ID)
    last_seq: int = Field(default=0, ge=0)  # the highest event seq this client has shown
    shop: str = Field(default="", max_length=128)
    locale: str = Field(default="", max_length=16)
    page_sku: str | None = Field(default=None, max_length=128)
    identity: str = Field(default="", max_length=512)
    # The client also accepts a JSON array of frames in one WebSocket message.
    batch: bool = False


class MessageFrame(_Frame):
    """A shopper message; resending the same `id` after a reconnect is safe."""

    type: Literal["message"]
    id: str = Field(pattern=MESSAGE_ID)
    text: str  # its length is checked by the gateway, which answers "too_long" kindly
    page_sku: str | None = Field(default=None, max_length=128)
    locale: str = Field(default="", max_length=16)


class ContextFrame(_Frame):
    """The page changed product or language without a new message."""

    type: Literal["context"]
    page_sku: str | None = Field(default=None, max_length=128)
    locale: str = Field(default="", max_length=16)


class PingFrame(_Frame):
    type: Literal["ping"]


class ShopperTypingFrame(_Frame):
    """The shopper is typing: shown to a staff member who owns the conversation."""

    type: Literal["typing"]


ClientFrame = Annotated[
    HelloFrame | MessageFrame | ContextFrame | PingFrame | ShopperTypingFrame,
    Field(discriminator="type"),
]


# ---- server -> client (live, not logged) -------------------------------------------


class ReadyFrame(_Frame):
    """Answer to hello; replayed events (seq > last_seq) follow it."""

    type: Literal["ready"] = "ready"
    conversation_id: str
    resumed: bool
    last_seq: int  # the conversation's newest seq at this moment
    status: Literal["open", "closed"] = "open"
    max_message_chars: int


class TypingFrame(_Frame):
    type: Literal["typing"] = "typing"
    reply_to: str


class StaffTypingFrame(_Frame):
    """A staff member who owns the conversation is typing a reply."""

    type: Literal["staff_typing"] = "staff_typing"
    author: str = ""


class SentenceFrame(_Frame):
    """One verified sentence of the answer to `reply_to`; `index` counts from 0."""

    type: Literal["sentence"] = "sentence"
    reply_to: str
    index: int
    text: str
    citations: list[CitationOut] = Field(default_factory=list)


class CardsFrame(_Frame):
    type: Literal["cards"] = "cards"
    reply_to: str
    cards: list[CardOut]


class ErrorFrame(_Frame):
    type: Literal["error"] = "error"
    code: ErrorCode
    message: str
    reply_to: str | None = None  # the message this error is about, if any
    retry_after: float | None = None  # seconds, for rate_limited


class PongFrame(_Frame):
    type: Literal["pong"] = "pong"


# ---- HTTP bodies -------------------------------------------------------------------


class ErrorDetail(_Frame):
    code: ErrorCode
    message: str
    retry_after: float | None = None


class ErrorBody(_Frame):
    error: ErrorDetail


class StartRequest(_Frame):
    conversation_id: str | None = Field(
        default=None, pattern=CONVERSATION_ID, description="resume this one if it exists"
    )
    shop: str = Field(default="", max_length=128)
    locale: str = Field(default="", max_length=16)
    identity: str = Field(default="", max_length=512, description="signed customer identity")


class ConversationOut(_Frame):
    conversation_id: str
    created: bool
    status: Literal["open", "closed"]
    last_seq: int
    max_message_chars: int


class SendRequest(_Frame):
    id: str = Field(pattern=MESSAGE_ID, description="client message id; resending is a no-op")
    text: str = Field(
        pattern=r"\S",
        description="the shopper's message, not blank; longer than the server's "
        "max_message_chars is refused with 413 too_long",
        # documented only: the route checks it, to answer 413 with a friendly message
        json_schema_extra={"maxLength": 4000},
    )
    page_sku: str | None = Field(default=None, max_length=128)
    locale: str = Field(default="", max_length=16)
    identity: str = Field(default="", max_length=512)


class SendResponse(_Frame):
    message: UserEvent
    answer: AnswerEvent


class HistoryOut(_Frame):
    conversation_id: str
    events: list[ConversationEvent]
    last_seq: int
    has_more: bool


class ThumbsFeedback(_Frame):
    """A thumb for one answer, named by the `turn_id` of its answer event."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    turn_id: str = Field(min_length=1, max_length=128)
    thumbs: Literal["up", "down"]
    comment: str = Field(default="", max_length=2000)


class CsatFeedback(_Frame):
    """The shopper's 1-5 rating of the whole conversation."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    csat: int = Field(ge=1, le=5)
    comment: str = Field(default="", max_length=2000)


FeedbackRequest = ThumbsFeedback | CsatFeedback


class CardClick(_Frame):
    """The shopper opened a product card that the answer `turn_id` showed."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    turn_id: str = Field(min_length=1, max_length=128)
    sku: str = Field(min_length=1, max_length=128)
