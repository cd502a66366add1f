"""The inbox baseline: what a console without `inbox_query` would do.

Every conversation is loaded through the ORM and filtered and sorted in Python;
the turn filters (intent, failed verification) come from the turns' columns
loaded in full; text is found by a `LIKE '%term%'` scan over the turn table
(`bench.message_search_bench.like_search`, every matching conversation, as the
inbox considers); each row's preview is one more query for
that conversation's turns. The page it returns is the inbox's page, so the two
can be checked against each other.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from bench.message_search_bench import like_search
from bot.console.inbox_query import OWNERS, PAGE_SIZE, InboxFilters
from dialogue.transcript_tables import Conversation, Turn

ALL_MATCHES = 10_000_000  # more conversations than any benchmark makes


def naive_page(engine: Engine, f: InboxFilters) -> list[tuple[str, str]]:
    """(conversation id, preview) of the page the inbox would show for `f`."""
    chosen: set[str] | None = set(f.ids) if f.ids else None
    if f.q.strip():
        found = set(like_search(engine, f.q, limit=ALL_MATCHES))
        chosen = found if chosen is None else chosen & found
    with Session(engine) as session:
        statement = select(Conversation)
        if chosen is not None:  # a list of ids is all a naive console would push down
            statement = statement.where(col(Conversation.id).in_(sorted(chosen)))
        kept = [c for c in session.exec(statement) if _matches(c, f)]
        for wanted in _turn_filters(session, f):
            kept = [c for c in kept if c.id in wanted]
        kept.sort(key=lambda c: c.id)
        kept.sort(key=lambda c: _utc(c.last_activity_at), reverse=True)
        start = (max(1, f.page) - 1) * PAGE_SIZE
        page = kept[start : start + PAGE_SIZE]
        return [(c.id, _preview(session, c.id)) for c in page]


def _matches(c: Conversation, f: InboxFilters) -> bool:
    started = _utc(c.started_at)
    return (
        (not f.channel or c.channel == f.channel)
        and (f.owner not in OWNERS or c.owner == f.owner)
        and (not f.lang or c.lang == f.lang)
        and (f.csat is None or c.csat == f.csat)
        and (not f.handed_off or c.handed_off)
        and (f.start is None or started >= _midnight(f.start))
        and (f.end is None or started < _midnight(f.end + timedelta(days=1)))
    )


def _turn_filters(session: Session, f: InboxFilters) -> list[set[str]]:
    """For each turn filter set, the conversations with a turn that passes it."""
    if not (f.intent or f.failed):
        return []
    by_intent: set[str] = set()
    failed: set[str] = set()
    columns = select(Turn.conversation_id, Turn.intent, Turn.failed_checks)
    for conversation_id, intent, failed_checks in session.exec(columns):
        if intent == f.intent:
            by_intent.add(conversation_id)
        if failed_checks > 0:
            failed.add(conversation_id)
    return ([by_intent] if f.intent else []) + ([failed] if f.failed else [])


def _preview(session: Session, conversation_id: str) -> str:
    turns = session.exec(select(Turn).where(Turn.conversation_id == conversation_id)).all()
    users = sorted((t for t in turns if t.role == "user"), key=lambda t: _utc(t.created_at))
    return users[-1].text[:140] if users else ""


def _utc(moment: datetime) -> datetime:
    # SQLite hands datetimes back without a zone; they were stored as UTC.
    return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)
