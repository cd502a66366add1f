"""Service metrics over a scope: resolution, handoff, satisfaction, speed, verification, intents.

docs/analytics.md defines each figure and its denominator; the SQL here is
those definitions, aggregated in the database.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, and_, case, func, select

from analytics.filters import Scope
from analytics.outcomes import flag, outcomes
from analytics.sql import CONVERSATION, TURN, as_int, conversation_conditions, epoch, percentiles
from analytics.types import Count, Percentiles, Rate, ServiceMetrics

REPLY_ROLES = ("assistant", "staff")


def scoped_conversations(scope: Scope) -> Any:
    """Ids of the conversations in scope, as a subquery with column `id`."""
    return select(CONVERSATION.c.id).where(*conversation_conditions(scope)).subquery("scoped")


def service_metrics(connection: Connection, scope: Scope) -> ServiceMetrics:
    o = outcomes(connection, scope).c
    # Durations ranked among the resolved conversations, in the same pass as the sums.
    ranked = select(
        *o,
        func.row_number().over(partition_by=o.resolved, order_by=o.duration_s).label("rn"),
        func.count().over(partition_by=o.resolved).label("rn_of"),
    ).subquery("ranked")
    r = ranked.c

    def resolution_percentile(p: int) -> Any:
        at_rank = and_(r.resolved == 1, r.rn == (r.rn_of * p + 99) // 100)
        return func.max(case((at_rank, r.duration_s)))

    row = connection.execute(
        select(
            func.count().label("n"),
            func.sum(r.handed).label("handed"),
            func.sum(r.confirmed).label("confirmed"),
            func.sum(r.assumed).label("assumed"),
            func.sum(r.pending).label("pending"),
            func.sum(r.automated).label("automated"),
            func.sum(r.durable_known).label("durable_known"),
            func.sum(r.durable).label("durable"),
            func.sum(r.repeat).label("repeat"),
            func.sum(r.repeat_known).label("repeat_known"),
            func.count(r.csat).label("rated"),
            func.avg(r.csat).label("csat_mean"),
            func.sum(flag(r.csat >= 4)).label("satisfied"),
            func.sum(r.resolved).label("resolved"),
            resolution_percentile(50).label("ttr50"),
            resolution_percentile(90).label("ttr90"),
        )
    ).one()
    n = as_int(row.n)
    turns = _turn_figures(connection, scope)
    return ServiceMetrics(
        conversations=n,
        automated_resolution=Rate(as_int(row.automated), n - as_int(row.pending)),
        confirmed_resolutions=as_int(row.confirmed),
        assumed_resolutions=as_int(row.assumed),
        pending_outcomes=as_int(row.pending),
        handoff=Rate(as_int(row.handed), n),
        durable_resolution=Rate(as_int(row.durable), as_int(row.durable_known)),
        repeat_contact=Rate(as_int(row.repeat), as_int(row.repeat_known)),
        csat_rated=Rate(as_int(row.rated), n),
        csat_mean=_float(row.csat_mean),
        csat_satisfied=Rate(as_int(row.satisfied), as_int(row.rated)),
        thumbs_up=turns["thumbs_up"],
        failed_verification=turns["failed"],
        first_response_s=first_response(connection, scope),
        resolution_time_s=Percentiles(as_int(row.resolved), _float(row.ttr50), _float(row.ttr90)),
        top_intents=top_intents(connection, scope, n),
    )


def _turn_figures(connection: Connection, scope: Scope) -> dict[str, Rate]:
    """Thumbs and failed verification, over the assistant answers in scope."""
    scoped = scoped_conversations(scope)
    row = connection.execute(
        select(
            func.sum(flag(TURN.c.thumbs == "up")).label("up"),
            func.sum(flag(TURN.c.thumbs.in_(("up", "down")))).label("thumbed"),
            func.sum(flag(TURN.c.failed_checks > 0)).label("failed"),
            func.count().label("answers"),
        )
        .select_from(TURN.join(scoped, TURN.c.conversation_id == scoped.c.id))
        .where(TURN.c.role == "assistant")
    ).one()
    return {
        "thumbs_up": Rate(as_int(row.up), as_int(row.thumbed)),
        "failed": Rate(as_int(row.failed), as_int(row.answers)),
    }


def first_response(connection: Connection, scope: Scope) -> Percentiles:
    """Seconds from a conversation's first shopper message to the first reply after it."""
    return _percentiles(connection, percentiles(first_response_values(scope), (50, 90)))


def first_response_values(scope: Scope) -> Any:
    """Subquery (id, v): first response seconds per conversation in scope that got a reply.

    Driven from the conversations, one index seek per conversation and role, so
    the cost follows the range, not the size of the turn table.
    """
    c = CONVERSATION.c
    asked = (
        select(func.min(TURN.c.created_at))
        .where(TURN.c.conversation_id == c.id, TURN.c.role == "user")
        .scalar_subquery()
    )
    firsts = (
        select(c.id, asked.label("asked"))
        .where(*conversation_conditions(scope))
        .cte("firsts")
        .prefix_with("MATERIALIZED")
    )
    replied = (
        select(func.min(TURN.c.created_at))
        .where(
            TURN.c.conversation_id == firsts.c.id,
            TURN.c.role.in_(REPLY_ROLES),
            TURN.c.created_at >= firsts.c.asked,
        )
        .scalar_subquery()
    )
    timed = (
        select(firsts.c.id, (epoch(replied) - epoch(firsts.c.asked)).label("v"))
        .where(firsts.c.asked.is_not(None))
        .cte("timed")
        .prefix_with("MATERIALIZED")
    )
    return select(timed).where(timed.c.v.is_not(None)).subquery("first_reply")


def top_intents(connection: Connection, scope: Scope, conversations: int) -> tuple[Count, ...]:
    """Intents by the number of conversations in scope with a shopper turn of that intent."""
    scoped = scoped_conversations(scope)
    # Distinct (conversation, intent) pairs first, found through each conversation's
    # turns; grouping the turn table by intent directly would read all of it.
    pairs = (
        select(TURN.c.conversation_id, TURN.c.intent)
        .select_from(scoped.join(TURN, TURN.c.conversation_id == scoped.c.id))
        .where(TURN.c.role == "user", TURN.c.intent != "")
        .distinct()
        .subquery("pairs")
    )
    counted = func.count()
    rows = connection.execute(
        select(pairs.c.intent, counted.label("n"))
        .group_by(pairs.c.intent)
        .order_by(counted.desc(), pairs.c.intent)
        .limit(scope.settings.top_n)
    ).all()
    return tuple(
        Count(r.intent, int(r.n), int(r.n) / conversations if conversations else None) for r in rows
    )


def _percentiles(connection: Connection, query: Any) -> Percentiles:
    row = connection.execute(query).one()
    return Percentiles(as_int(row.n), _float(row.p50), _float(row.p90))


def _float(value: Any) -> float | None:
    return None if value is None else float(value)
