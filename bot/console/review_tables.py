"""What staff add to a conversation while reviewing it: tags, notes and answer reviews.

Every table carries the `conversation_id` it belongs to, so forgetting a
customer's conversations finds their review data too. Staff are kept by id and
by the name they had when they wrote, so a note still reads right after the
account is renamed or disabled.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Literal

from sqlalchemy import Column, Engine, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

ReviewVerdict = Literal["correct", "wrong"]
ReviewStatus = Literal["open", "faq", "dismissed"]
REVIEW_VERDICTS: tuple[ReviewVerdict, ...] = ("correct", "wrong")
REVIEW_STATUSES: tuple[ReviewStatus, ...] = ("open", "faq", "dismissed")


def utcnow() -> datetime:
    return datetime.now(UTC)


class ConversationTag(SQLModel, table=True):
    __tablename__ = "conversation_tag"
    __table_args__ = (UniqueConstraint("conversation_id", "tag"),)

    id: int | None = Field(default=None, primary_key=True)
    conversation_id: str = Field(index=True, max_length=64)
    tag: str = Field(index=True, max_length=40)
    staff_id: int | None = None
    created_at: datetime = Field(default_factory=utcnow)


class ConversationNote(SQLModel, table=True):
    __tablename__ = "conversation_note"

    id: int | None = Field(default=None, primary_key=True)
    conversation_id: str = Field(index=True, max_length=64)
    staff_id: int | None = None
    staff_name: str = Field(default="", max_length=320)
    text: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime = Field(default_factory=utcnow, index=True)


class AnswerReview(SQLModel, table=True):
    """A staff member's judgement of one assistant answer; a later mark replaces it."""

    __tablename__ = "answer_review"
    __table_args__ = (UniqueConstraint("turn_id"),)

    id: int | None = Field(default=None, primary_key=True)
    turn_id: str = Field(max_length=64)
    conversation_id: str = Field(index=True, max_length=64)
    staff_id: int | None = None
    staff_name: str = Field(default="", max_length=320)
    verdict: str = Field(max_length=16)  # correct | wrong
    correction: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    # the shopper's message the answer replied to, copied so the FAQ needs no transcript
    question: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    lang: str = Field(default="", max_length=8)
    status: str = Field(default="open", index=True, max_length=16)  # open | faq | dismissed
    created_at: datetime = Field(default_factory=utcnow, index=True)


REVIEW_TABLE_NAMES = ("conversation_tag", "conversation_note", "answer_review")


def create_review_tables(engine: Engine) -> None:
    """Create the review tables where missing (migrations will take over later)."""
    tables = [SQLModel.metadata.tables[name] for name in REVIEW_TABLE_NAMES]
    SQLModel.metadata.create_all(engine, tables=tables)
