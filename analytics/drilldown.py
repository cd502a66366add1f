"""The conversations behind a figure: what a dashboard link opens in the staff console.

A link carries the filters and a metric name (see `links.py`); the console
calls `conversation_ids` with them, after checking the staff member may see
conversations at all.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Connection, and_, select
from sqlalchemy.sql.elements import ColumnElement

from analytics.commerce import assisted_order_ids
from analytics.errors import InvalidFilters
from analytics.events import CARD_CLICK
from analytics.filters import Scope
from analytics.outcomes import outcomes
from analytics.rfm import chatter_segments
from analytics.sql import CONVERSATION, TURN, channel_lang_conditions, conversation_conditions

# metric name -> condition on the outcomes subquery
_OUTCOME_FLAGS: dict[str, Any] = {
    "conversations": lambda o: o.id.is_not(None),
    "automated_resolution": lambda o: o.automated == 1,
    "confirmed": lambda o: o.confirmed == 1,
    "assumed": lambda o: o.assumed == 1,
    "pending": lambda o: o.pending == 1,
    "handoff": lambda o: o.handed == 1,
    "resolved": lambda o: o.resolved == 1,
    "durable": lambda o: o.durable == 1,
    "not_durable": lambda o: and_(o.durable_known == 1, o.durable == 0),
    "repeat_contact": lambda o: o.repeat == 1,
    "csat_rated": lambda o: o.csat.is_not(None),
    "csat_low": lambda o: o.csat <= 2,
}
# metric name -> condition on a turn of the conversation
_TURN_FLAGS: dict[str, Any] = {
    "thumbs_down": lambda t, key: and_(t.role == "assistant", t.thumbs == "down"),
    "failed_verification": lambda t, key: and_(t.role == "assistant", t.failed_checks > 0),
    "intent": lambda t, key: and_(t.role == "user", t.intent == key),
}
OTHER_METRICS = ("cards_clicked", "assisted_orders", "chatters", "cohort", "segment", "customer")
METRICS: tuple[str, ...] = (*_OUTCOME_FLAGS, *_TURN_FLAGS, *OTHER_METRICS)


def conversation_ids(
    connection: Connection, scope: Scope, metric: str, key: str = "", limit: int = 500
) -> list[str]:
    """Ids of the conversations behind `metric` (newest first, at most `limit`).

    `key` narrows metrics that need it: an intent, a cohort's Monday (ISO date),
    a migration "before>after", a customer id. Unknown metrics raise InvalidFilters.
    """
    c = CONVERSATION.c
    if metric in _OUTCOME_FLAGS:
        o = outcomes(connection, scope).c
        query = select(o.id).where(_OUTCOME_FLAGS[metric](o)).order_by(o.started_at.desc(), o.id)
    elif metric in _TURN_FLAGS:
        turns = select(TURN.c.conversation_id).where(_TURN_FLAGS[metric](TURN.c, key))
        query = _scoped(scope, c.id.in_(turns))
    elif metric == "cards_clicked":
        query = _scoped(scope, c.id.in_(select(CARD_CLICK.c.conversation_id)))
    elif metric == "assisted_orders":
        assisted = assisted_order_ids(connection, scope)
        query = select(c.id).where(c.id.in_(select(assisted.c.conversation_id)))
        query = query.order_by(c.started_at.desc(), c.id)
    elif metric == "chatters":
        query = _scoped(scope, c.customer_id.is_not(None))
    elif metric == "cohort":
        query = _cohort(scope, key)
    elif metric == "segment":
        before, _, after = key.partition(">")
        moved = chatter_segments(scope)
        who = select(moved.c.customer_id).where(moved.c.before == before, moved.c.after == after)
        query = _scoped(scope, c.customer_id.in_(who))
    elif metric == "customer":
        query = _scoped(scope, c.customer_id == _int(key))
    else:
        raise InvalidFilters(f"unknown metric {metric!r}; known: {', '.join(METRICS)}")
    return list(connection.scalars(query.limit(limit)))


def _scoped(scope: Scope, condition: ColumnElement[bool]) -> Any:
    c = CONVERSATION.c
    return (
        select(c.id)
        .where(*conversation_conditions(scope), condition)
        .order_by(c.started_at.desc(), c.id)
    )


def _cohort(scope: Scope, key: str) -> Any:
    """Conversations in the week starting `key` of the customers first seen that week."""
    try:
        monday = date.fromisoformat(key)
    except ValueError as exc:
        raise InvalidFilters(f"a cohort is named by its Monday, not {key!r}") from exc
    week = scope.weeks(monday, 1)[0]
    c = CONVERSATION.c
    same_filters = channel_lang_conditions(scope, c)
    earlier = select(c.customer_id).where(
        c.started_at < week.lo, c.customer_id.is_not(None), *same_filters
    )
    return (
        select(c.id)
        .where(
            c.started_at >= week.lo,
            c.started_at < week.hi,
            c.customer_id.is_not(None),
            c.customer_id.not_in(earlier),
            *same_filters,
        )
        .order_by(c.started_at.desc(), c.id)
    )


def _int(key: str) -> int:
    try:
        return int(key)
    except ValueError as exc:
        raise InvalidFilters(f"a customer is named by its id, not {key!r}") from exc
