"""Transcript tables: conversations, their turns, and feedback."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, Column, Engine, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel


def utcnow() -> datetime:
    return datetime.now(UTC)


class Conversation(SQLModel, table=True):
    id: str = Field(primary_key=True, max_length=64)
    channel: str = Field(default="web", index=True)
    customer_id: int | None = Field(default=None, index=True)
    external_user: str = ""  # Telegram chat id or widget visitor id
    lang: str = Field(default="", index=True)
    owner: str = Field(default="bot", index=True)  # bot | waiting | staff | closed
    owner_staff: str | None = None
    owner_since: datetime | None = None  # when the owner last changed (wait time in the queue)
    handoff_reason: str = ""
    handed_off: bool = False
    resolved: bool | None = None
    csat: int | None = None
    failed_answers: int = 0  # consecutive answers that could not be grounded
    state: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    started_at: datetime = Field(default_factory=utcnow, index=True)
    last_activity_at: datetime = Field(default_factory=utcnow, index=True)
    closed_at: datetime | None = None


class Turn(SQLModel, table=True):
    """One message in a conversation: the shopper's, the assistant's, or a staff member's."""

    __table_args__ = (
        UniqueConstraint("conversation_id", "message_id"),
        # the inbox's "has a turn with this intent" test, one probe per conversation
        # (without it SQLite walks every turn of the intent for each conversation)
        Index("ix_turn_conversation_id_intent", "conversation_id", "intent"),
    )

    id: str = Field(primary_key=True, max_length=64)
    conversation_id: str = Field(foreign_key="conversation.id", index=True, max_length=64)
    message_id: str = Field(max_length=128)  # idempotency key from the channel
    role: str = "user"  # user | assistant | staff | system
    author: str = ""  # staff member for role staff
    text: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    lang: str = ""
    intent: str = Field(default="", index=True)
    # what the answer was made from and how it was checked
    passages: list[Any] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    claims: list[Any] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    citations: list[Any] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    cards: list[Any] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    failed_checks: int = 0
    model: str = ""
    model_error: str = ""  # the answer came from the facts because the model failed
    tokens: int = 0
    latency_ms: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    thumbs: str | None = None  # up | down
    created_at: datetime = Field(default_factory=utcnow, index=True)


def create_transcript_tables(engine: Engine) -> None:
    """Create the transcript tables where missing (the catalog's tables are created apart)."""
    tables = [SQLModel.metadata.tables[name] for name in ("conversation", "turn")]
    SQLModel.metadata.create_all(engine, tables=tables)
