"""Reviewing a conversation: tags, notes, and marking assistant answers correct or wrong.

Blocking database work (routes run it in worker threads). Bad input raises
`ReviewError` with a message fit to show the staff member; a turn that is not an
assistant answer of the conversation raises `NotAnAnswer`.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, case
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, delete, select

from bot.console.review_tables import (
    REVIEW_VERDICTS,
    AnswerReview,
    ConversationNote,
    ConversationTag,
    utcnow,
)
from bot.console.staff_user import StaffUser
from dialogue.transcript_tables import Turn

MAX_TAG = 40
MAX_TAGS = 30
MAX_NOTE = 4000
MAX_CORRECTION = 4000
_SPACES = re.compile(r"\s+")
_CJK = re.compile(r"[\u3400-\u9fff]")


class ReviewError(ValueError):
    """Input a staff member can fix: the message says how."""


class NotAnAnswer(ReviewError):
    """The turn is not an assistant answer of this conversation."""


@dataclass(frozen=True)
class TagView:
    tag: str
    created_at: datetime


@dataclass(frozen=True)
class NoteView:
    id: int
    author: str
    text: str
    created_at: datetime


@dataclass(frozen=True)
class ReviewView:
    id: int
    turn_id: str
    conversation_id: str
    staff_name: str
    verdict: str
    correction: str
    question: str
    lang: str
    status: str
    created_at: datetime


def staff_label(staff: StaffUser) -> str:
    return staff.name or staff.email


def clean_tag(raw: str) -> str:
    """One tag as stored: printable, single-spaced, lower-cased, 1..40 characters."""
    tag = _SPACES.sub(" ", unicodedata.normalize("NFKC", raw)).strip().lower()
    if not tag:
        raise ReviewError("A tag cannot be empty.")
    if len(tag) > MAX_TAG:
        raise ReviewError(f"A tag is at most {MAX_TAG} characters.")
    if any(unicodedata.category(ch).startswith("C") for ch in tag):
        raise ReviewError("A tag cannot hold control characters.")
    return tag


def add_tag(engine: Engine, conversation_id: str, raw: str, staff: StaffUser) -> str:
    """Tag the conversation; adding a tag it already has changes nothing. Returns the tag."""
    tag = clean_tag(raw)
    with Session(engine) as session:
        have = session.exec(
            select(ConversationTag.tag).where(ConversationTag.conversation_id == conversation_id)
        ).all()
        if tag in have:
            return tag
        if len(have) >= MAX_TAGS:
            raise ReviewError(f"A conversation has at most {MAX_TAGS} tags.")
        session.add(ConversationTag(conversation_id=conversation_id, tag=tag, staff_id=staff.id))
        try:
            session.commit()
        except IntegrityError:  # the same tag, added at the same moment by someone else
            session.rollback()
    return tag


def remove_tag(engine: Engine, conversation_id: str, raw: str) -> str:
    tag = clean_tag(raw)
    with Session(engine) as session:
        session.exec(
            delete(ConversationTag).where(
                col(ConversationTag.conversation_id) == conversation_id,
                col(ConversationTag.tag) == tag,
            )
        )
        session.commit()
    return tag


def tags_of(engine: Engine, conversation_id: str) -> list[TagView]:
    with Session(engine) as session:
        rows = session.exec(
            select(ConversationTag)
            .where(ConversationTag.conversation_id == conversation_id)
            .order_by(col(ConversationTag.tag))
        ).all()
        return [TagView(r.tag, r.created_at) for r in rows]


def add_note(engine: Engine, conversation_id: str, text: str, staff: StaffUser) -> NoteView:
    body = text.strip()
    if not body:
        raise ReviewError("A note cannot be empty.")
    if len(body) > MAX_NOTE:
        raise ReviewError(f"A note is at most {MAX_NOTE} characters (this one has {len(body)}).")
    row = ConversationNote(
        conversation_id=conversation_id, staff_id=staff.id, staff_name=staff_label(staff), text=body
    )
    with Session(engine, expire_on_commit=False) as session:
        session.add(row)
        session.commit()
    assert row.id is not None
    return NoteView(row.id, row.staff_name, row.text, row.created_at)


def notes_of(engine: Engine, conversation_id: str) -> list[NoteView]:
    with Session(engine) as session:
        rows = session.exec(
            select(ConversationNote)
            .where(ConversationNote.conversation_id == conversation_id)
            .order_by(col(ConversationNote.created_at), col(ConversationNote.id))
        ).all()
        return [NoteView(r.id or 0, r.staff_name, r.text, r.created_at) for r in rows]


def mark_answer(
    engine: Engine,
    conversation_id: str,
    turn_id: str,
    verdict: str,
    correction: str,
    staff: StaffUser,
) -> ReviewView:
    """Judge one assistant answer; a later mark of the same answer replaces the earlier one.

    The shopper's question (the last shopper turn before the answer) is copied in,
    so a correction can become an FAQ entry without reading the transcript again.
    """
    if verdict not in REVIEW_VERDICTS:
        raise ReviewError("Mark the answer correct or wrong.")
    correction = correction.strip() if verdict == "wrong" else ""
    if len(correction) > MAX_CORRECTION:
        raise ReviewError(f"A correction is at most {MAX_CORRECTION} characters.")
    with Session(engine, expire_on_commit=False) as session:
        answer = session.get(Turn, turn_id)
        if (
            answer is None
            or answer.conversation_id != conversation_id
            or answer.role != "assistant"
        ):
            raise NotAnAnswer("That turn is not an answer of the assistant in this conversation.")
        question = session.exec(
            select(Turn)
            .where(
                Turn.conversation_id == conversation_id,
                Turn.role == "user",
                col(Turn.created_at) <= answer.created_at,
                Turn.id != turn_id,
            )
            .order_by(col(Turn.created_at).desc(), col(Turn.id).desc())
            .limit(1)
        ).first()
        asked = question.text if question is not None else ""
        row = session.exec(select(AnswerReview).where(AnswerReview.turn_id == turn_id)).first()
        if row is None:
            row = AnswerReview(turn_id=turn_id, conversation_id=conversation_id, verdict=verdict)
        elif row.verdict == verdict and row.correction == correction:
            row.staff_id, row.staff_name = staff.id, staff_label(staff)
            session.add(row)
            session.commit()
            return _review_view(row)
        row.verdict, row.correction, row.question = verdict, correction, asked
        row.lang = _lang_of(question.lang if question else "", answer.lang, asked)
        row.staff_id, row.staff_name = staff.id, staff_label(staff)
        row.status, row.created_at = "open", utcnow()
        session.add(row)
        session.commit()
        return _review_view(row)


def reviews_of(engine: Engine, conversation_id: str) -> list[ReviewView]:
    with Session(engine) as session:
        rows = session.exec(
            select(AnswerReview).where(AnswerReview.conversation_id == conversation_id)
        ).all()
        return [_review_view(r) for r in rows]


def wrong_answers(engine: Engine, limit: int) -> list[ReviewView]:
    """Answers marked wrong: open first, then those in the FAQ, then dismissed; newest first."""
    status_order = case({"open": 0, "faq": 1}, value=col(AnswerReview.status), else_=2)
    with Session(engine) as session:
        rows = session.exec(
            select(AnswerReview)
            .where(AnswerReview.verdict == "wrong")
            .order_by(status_order, col(AnswerReview.created_at).desc(), col(AnswerReview.id))
            .limit(limit)
        ).all()
        return [_review_view(r) for r in rows]


def reviews_by_id(engine: Engine, review_ids: list[int]) -> list[ReviewView]:
    with Session(engine) as session:
        rows = session.exec(
            select(AnswerReview)
            .where(col(AnswerReview.id).in_(review_ids))
            .order_by(col(AnswerReview.id))
        ).all()
        return [_review_view(r) for r in rows]


def _lang_of(question_lang: str, answer_lang: str, text: str) -> str:
    for lang in (question_lang, answer_lang):
        if lang in ("zh", "en"):
            return lang
    return "zh" if _CJK.search(text) else "en"


def _review_view(row: AnswerReview) -> ReviewView:
    return ReviewView(
        id=row.id or 0,
        turn_id=row.turn_id,
        conversation_id=row.conversation_id,
        staff_name=row.staff_name,
        verdict=row.verdict,
        correction=row.correction,
        question=row.question,
        lang=row.lang,
        status=row.status,
        created_at=row.created_at,
    )
