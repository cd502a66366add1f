"""The inbox's query: conversations matching the staff member's filters, newest activity first.

One SQL statement with EXISTS subqueries on the indexed turn table, so it stays
fast at 100k conversations on SQLite and PostgreSQL; the full-text part is a
subquery on the message search index in the same statement.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Engine, String, and_, exists, func, select, true
from sqlalchemy.sql import ColumnElement
from sqlmodel import col

from dialogue.message_search import matching_conversations
from dialogue.transcript_tables import Conversation, Turn

PAGE_SIZE = 50
OWNERS = ("bot", "waiting", "staff", "closed")


@dataclass(frozen=True)
class InboxFilters:
    q: str = ""
    channel: str = ""
    owner: str = ""
    lang: str = ""
    intent: str = ""
    csat: int | None = None
    failed: bool = False  # had an answer with a failed verification
    handed_off: bool = False
    start: date | None = None
    end: date | None = None
    page: int = 1
    ids: tuple[str, ...] = ()  # only these (the conversations behind an analytics figure)

    def query_string(self, **changes: Any) -> str:
        """The filters as URL parameters (for pager links)."""
        from urllib.parse import urlencode

        values = {f.name: getattr(self, f.name) for f in fields(self)} | changes
        pairs = {
            ("from" if k == "start" else "to" if k == "end" else k): (
                "1" if v is True else v.isoformat() if isinstance(v, date) else v
            )
            for k, v in values.items()
            if v not in (None, "", False, ()) and k != "ids" and not (k == "page" and v == 1)
        }
        return urlencode(pairs)


@dataclass(frozen=True)
class InboxRow:
    id: str
    channel: str
    lang: str
    owner: str
    owner_staff: str | None
    handed_off: bool
    csat: int | None
    started_at: datetime
    last_activity_at: datetime
    preview: str


@dataclass(frozen=True)
class InboxPage:
    rows: list[InboxRow]
    has_more: bool


def inbox_page(engine: Engine, filters: InboxFilters) -> InboxPage:
    conditions = _conditions(filters)
    if filters.q.strip():
        # in the same statement as the other filters, so every match is a candidate
        matching = matching_conversations(engine.dialect.name, filters.q)
        if matching is None:
            return InboxPage([], False)
        conditions.append(col(Conversation.id).in_(matching.columns(conversation_id=String)))
    offset = (max(1, filters.page) - 1) * PAGE_SIZE
    statement = (
        select(Conversation)
        .where(and_(true(), *conditions))
        .order_by(col(Conversation.last_activity_at).desc(), col(Conversation.id))
        .offset(offset)
        .limit(PAGE_SIZE + 1)
    )
    with engine.connect() as conn:
        found = [Conversation.model_validate(row._mapping) for row in conn.execute(statement)]
        page = found[:PAGE_SIZE]
        previews = _previews(conn, [c.id for c in page])
    rows = [
        InboxRow(
            id=c.id,
            channel=c.channel,
            lang=c.lang,
            owner=c.owner,
            owner_staff=c.owner_staff,
            handed_off=c.handed_off,
            csat=c.csat,
            started_at=c.started_at,
            last_activity_at=c.last_activity_at,
            preview=previews.get(c.id, ""),
        )
        for c in page
    ]
    return InboxPage(rows, len(found) > PAGE_SIZE)


def _conditions(f: InboxFilters) -> list[ColumnElement[bool]]:
    conds: list[ColumnElement[bool]] = []
    if f.ids:
        conds.append(col(Conversation.id).in_(f.ids))
    if f.channel:
        conds.append(col(Conversation.channel) == f.channel)
    if f.owner in OWNERS:
        conds.append(col(Conversation.owner) == f.owner)
    if f.lang:
        conds.append(col(Conversation.lang) == f.lang)
    if f.csat is not None:
        conds.append(col(Conversation.csat) == f.csat)
    if f.handed_off:
        conds.append(col(Conversation.handed_off).is_(True))
    if f.start is not None:
        conds.append(col(Conversation.started_at) >= _midnight(f.start))
    if f.end is not None:
        conds.append(col(Conversation.started_at) < _midnight(f.end + timedelta(days=1)))
    if f.intent:
        conds.append(
            exists().where(
                col(Turn.conversation_id) == col(Conversation.id), col(Turn.intent) == f.intent
            )
        )
    if f.failed:
        conds.append(
            exists().where(
                col(Turn.conversation_id) == col(Conversation.id), col(Turn.failed_checks) > 0
            )
        )
    return conds


def _previews(conn: Any, ids: list[str]) -> dict[str, str]:
    """The latest shopper message of each conversation, in one query."""
    if not ids:
        return {}
    ranked = (
        select(
            col(Turn.conversation_id),
            col(Turn.text),
            func.row_number()
            .over(partition_by=col(Turn.conversation_id), order_by=col(Turn.created_at).desc())
            .label("n"),
        )
        .where(col(Turn.conversation_id).in_(ids), col(Turn.role) == "user")
        .subquery()
    )
    rows = conn.execute(select(ranked.c.conversation_id, ranked.c.text).where(ranked.c.n == 1))
    return {cid: (text or "")[:140] for cid, text in rows}


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)
