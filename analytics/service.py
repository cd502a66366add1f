"""Service metrics over a scope: resolution, handoff, satisfaction, speed, verification, intents.

docs/analytics.md defines each figure and its denominator; the SQL here is
those definitions, aggregated in the database.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, and_, case, func, select

from analytics.filters import Scope
from analytics.outcomes import flag, outcomes
from analytics.sql import CONVERSATION, TURN, as_int, conversation_conditions, epoch
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
        thumbs_up=Rate(as_int(turns.up), as_int(turns.thumbed)),
        failed_verification=Rate(as_int(turns.failed), as_int(turns.answers)),
        first_response_s=Percentiles(as_int(turns.timed), _float(turns.p50), _float(turns.p90)),
        resolution_time_s=Percentiles(as_int(row.resolved), _float(row.ttr50), _float(row.ttr90)),
        top_intents=top_intents(connection, scope, n),
    )


def per_conversation_turns(scope: Scope) -> Any:
    """CTE, one row per conversation in scope, from one pass over its turns.

    Columns: id, asked (first shopper message), first_reply_s (seconds from it to
    the first assistant or staff message at or after it), answers, failed,
    up, down (assistant answers: all, with a failed check, thumbed up, down).
    """
    t = TURN.c
    scoped = scoped_conversations(scope)
    answer = t.role == "assistant"
    grouped = (
        select(
            t.conversation_id.label("id"),
            func.min(case((t.role == "user", t.created_at))).label("asked"),
            func.min(case((t.role.in_(REPLY_ROLES), t.created_at))).label("first_reply"),
            func.sum(flag(answer)).label("answers"),
            func.sum(flag(and_(answer, t.failed_checks > 0))).label("failed"),
            func.sum(flag(and_(answer, t.thumbs == "up"))).label("up"),
            func.sum(flag(and_(answer, t.thumbs == "down"))).label("down"),
        )
        .select_from(scoped.join(TURN, t.conversation_id == scoped.c.id))
        .group_by(t.conversation_id)
        .subquery("grouped")
    )
    g = grouped.c
    # The first reply usually follows the first question; only when something was
    # said before it (a greeting) is the first reply after it looked up.
    reply_after = (
        select(func.min(t.created_at))
        .where(t.conversation_id == g.id, t.role.in_(REPLY_ROLES), t.created_at >= g.asked)
        .scalar_subquery()
    )
    replied = case((g.first_reply >= g.asked, g.first_reply), else_=reply_after)
    return (
        select(
            g.id,
            g.asked,
            (epoch(replied) - epoch(g.asked)).label("first_reply_s"),
            g.answers,
            g.failed,
            g.up,
            g.down,
        )
        .cte("per_conversation")
        .prefix_with("MATERIALIZED")
    )


def _turn_figures(connection: Connection, scope: Scope) -> Any:
    """Thumbs, failed checks and first-response percentiles, in one statement."""
    per = per_conversation_turns(scope).c
    ranked = select(
        per.first_reply_s,
        per.answers,
        per.failed,
        per.up,
        per.down,
        func.row_number()
        .over(partition_by=per.first_reply_s.is_(None), order_by=per.first_reply_s)
        .label("rn"),
        func.count(per.first_reply_s).over().label("timed"),
    ).subquery("ranked_replies")
    r = ranked.c

    def at_rank(p: int) -> Any:
        hit = and_(r.first_reply_s.is_not(None), r.rn == (r.timed * p + 99) // 100)
        return func.max(case((hit, r.first_reply_s)))

    return connection.execute(
        select(
            func.coalesce(func.sum(r.answers), 0).label("answers"),
            func.coalesce(func.sum(r.failed), 0).label("failed"),
            func.coalesce(func.sum(r.up), 0).label("up"),
            func.coalesce(func.sum(r.up + r.down), 0).label("thumbed"),
            func.coalesce(func.max(r.timed), 0).label("timed"),
            at_rank(50).label("p50"),
            at_rank(90).label("p90"),
        )
    ).one()


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


def _float(value: Any) -> float | None:
    return None if value is None else float(value)
