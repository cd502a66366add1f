"""Do customers who chat buy again more often than similar customers who do not?

Coarsened exact matching. Every customer gets an index date: a chatter's first
conversation in the scope, a non-chatter's the start of the range. Both groups
are cut into strata by orders before the index date (0, 1, 2-3, 4+) and days
since the last of them (none, <=30, 31-90, 91-180, >180). The outcome is an
order within `repurchase_window_days` after the index date; a customer counts
only once that window has passed. Non-chatters are customers with no
conversation from the range's start until the end of their window (or the
range's end, if later) who existed before the range (created earlier, or an
order earlier); past `repurchase_sample` customers, every k-th customer id of
them is read. Their repurchase rate is re-weighted to the chatters' mix of
strata; strata without any non-chatter are left out and their chatters counted
as unmatched. Everything is counted in SQL; Python combines the strata.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import Connection, Integer, and_, case, cast, func, or_, select, true
from sqlalchemy.sql.elements import ColumnElement

from analytics.filters import Scope
from analytics.outcomes import flag
from analytics.sql import (
    CONVERSATION,
    CUSTOMER,
    ORDER,
    as_int,
    conversation_conditions,
    epoch,
    seconds,
)
from analytics.types import Rate, Repurchase, Stratum

ORDER_BANDS = ("0", "1", "2-3", "4+")
RECENCY_BANDS = ("none", "<=30d", "31-90d", "91-180d", ">180d")


def repurchase(connection: Connection, scope: Scope) -> Repurchase:
    window_s = scope.settings.repurchase_window_days * 86_400
    chatted = _chatter_strata(connection, scope, window_s)
    immature = _immature_chatters(connection, scope, window_s)
    others = _other_strata(connection, scope, window_s)
    strata = []
    for ob in ORDER_BANDS:
        for rb in RECENCY_BANDS:
            c_n, c_b = chatted.get((ob, rb), (0, 0))
            o_n, o_b = others.get((ob, rb), (0, 0))
            if c_n or o_n:
                strata.append(Stratum(ob, rb, c_n, c_b, o_n, o_b))
    matched = [s for s in strata if s.chatted and s.others]
    n_matched = sum(s.chatted for s in matched)
    weighted = (
        sum(s.chatted / n_matched * s.others_repurchased / s.others for s in matched)
        if n_matched
        else None
    )
    return Repurchase(
        window_days=scope.settings.repurchase_window_days,
        chatted=Rate(sum(s.chatted_repurchased for s in matched), n_matched),
        matched_others=Rate(
            sum(s.others_repurchased for s in matched), sum(s.others for s in matched)
        ),
        matched_others_rate=weighted,
        unmatched_chatters=sum(s.chatted for s in strata if s.chatted and not s.others),
        immature_chatters=immature,
        strata=tuple(strata),
    )


def chatters(scope: Scope) -> Any:
    """Subquery (customer_id, idx): customers with a conversation in scope, and the first one."""
    c = CONVERSATION.c
    return (
        select(c.customer_id, func.min(c.started_at).label("idx"))
        .where(*conversation_conditions(scope), c.customer_id.is_not(None))
        .group_by(c.customer_id)
        .subquery("chatters")
    )


def _chatter_strata(
    connection: Connection, scope: Scope, window_s: int
) -> dict[tuple[str, str], tuple[int, int]]:
    ch = chatters(scope)
    o = ORDER.c
    before = o.created_at < ch.c.idx
    per_customer = (
        select(
            ch.c.customer_id,
            func.sum(flag(before)).label("prior"),
            (epoch(ch.c.idx) - epoch(func.max(case((before, o.created_at))))).label("since_s"),
            func.max(
                flag(
                    and_(o.created_at > ch.c.idx, epoch(o.created_at) <= epoch(ch.c.idx) + window_s)
                )
            ).label("bought"),
        )
        .select_from(ch.outerjoin(ORDER, o.customer_id == ch.c.customer_id))
        .where(epoch(ch.c.idx) + window_s <= seconds(scope.as_of))
        .group_by(ch.c.customer_id, ch.c.idx)
        .subquery("per_customer")
    )
    return _strata(connection, per_customer)


def _immature_chatters(connection: Connection, scope: Scope, window_s: int) -> int:
    ch = chatters(scope)
    return as_int(
        connection.scalar(
            select(func.count()).where(epoch(ch.c.idx) + window_s > seconds(scope.as_of))
        )
    )


def _other_strata(
    connection: Connection, scope: Scope, window_s: int
) -> dict[tuple[str, str], tuple[int, int]]:
    index = scope.t0
    window_end = index + timedelta(seconds=window_s)
    if window_end > scope.as_of:
        return {}  # no non-chatter's window has passed yet
    c, o, cu = CONVERSATION.c, ORDER.c, CUSTOMER.c
    step = _sample_step(connection, scope.settings.repurchase_sample)
    chatted_any = select(c.customer_id).where(
        c.customer_id.is_not(None), c.started_at >= index, c.started_at < max(scope.t1, window_end)
    )
    before = o.created_at < index
    # One pass over every customer's orders up to the window's end, through the
    # (customer, time) index alone; recency is compared as timestamps against the
    # shared index date, which spares a date conversion per customer.
    per_customer = (
        select(
            cu.id,
            cu.created_at,
            func.sum(flag(before)).label("prior"),
            func.max(case((before, o.created_at))).label("last_before"),
            func.max(flag(o.created_at >= index)).label("bought"),
        )
        .select_from(
            CUSTOMER.outerjoin(ORDER, and_(o.customer_id == cu.id, o.created_at <= window_end))
        )
        .where(cu.id.not_in(chatted_any), *([cu.id % step == 0] if step > 1 else []))
        .group_by(cu.id, cu.created_at)
        .subquery("per_customer")
    )
    p = per_customer.c
    last = p.last_before
    day = timedelta(days=1)
    recency = case(
        (last.is_(None), "none"),
        (last >= index - 30 * day, "<=30d"),
        (last >= index - 90 * day, "31-90d"),
        (last >= index - 180 * day, "91-180d"),
        else_=">180d",
    )
    # Customers who existed before the range: signed up earlier, or ordered earlier.
    existed = or_(p.created_at < index, p.prior > 0)
    return _strata(connection, per_customer, recency, existed)


def _sample_step(connection: Connection, sample: int) -> int:
    """k such that every k-th customer id gives at most `sample` customers (1: all)."""
    if sample <= 0:
        return 1
    customers = as_int(connection.scalar(select(func.count()).select_from(CUSTOMER)))
    return max(1, -(-customers // sample))


def _strata(
    connection: Connection,
    per_customer: Any,
    recency: ColumnElement[str] | None = None,
    keep: ColumnElement[bool] | None = None,
) -> dict[tuple[str, str], tuple[int, int]]:
    p = per_customer.c
    banded = (
        select(
            _orders_band(p.prior).label("ob"),
            (recency if recency is not None else _recency_band(p.since_s)).label("rb"),
            cast(func.coalesce(p.bought, 0), Integer).label("bought"),
        )
        .where(keep if keep is not None else true())
        .subquery("banded")
    )
    rows = connection.execute(
        select(
            banded.c.ob, banded.c.rb, func.count().label("n"), func.sum(banded.c.bought).label("b")
        ).group_by(banded.c.ob, banded.c.rb)
    ).all()
    return {(r.ob, r.rb): (as_int(r.n), as_int(r.b)) for r in rows}


def _orders_band(prior: Any) -> ColumnElement[str]:
    n = func.coalesce(prior, 0)
    return case((n == 0, "0"), (n == 1, "1"), (n <= 3, "2-3"), else_="4+")


def _recency_band(since_s: Any) -> ColumnElement[str]:
    day = 86_400
    return case(
        (since_s.is_(None), "none"),
        (since_s <= 30 * day, "<=30d"),
        (since_s <= 90 * day, "31-90d"),
        (since_s <= 180 * day, "91-180d"),
        else_=">180d",
    )
