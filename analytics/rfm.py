"""RFM segments of the customers who chatted, before the range and at its end.

As of an instant t, a customer's recency is the days since their last order
before t, frequency the orders in the 365 days before t, monetary value the
spend in those days. Recency scores 3 up to rfm_recency_days[0] days, 2 up to
rfm_recency_days[1], else 1; frequency scores 3 from rfm_frequency_orders[1]
orders, 2 from rfm_frequency_orders[0], else 1. Segments (best first):

  champions        R3 F3
  loyal            R>=2 F>=2, not champions
  promising        R3 F1
  needs_attention  R2 F1
  at_risk          R1 F>=2
  lost             R1 F1
  prospect         no order before t

Monetary value does not change the segment: it feeds the loyalty score and is
reported beside it. The migration compares each chatter's segment at the
range's start with the one at its end.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Float, and_, case, func, literal, select
from sqlalchemy.sql.elements import ColumnElement

from analytics.filters import Scope
from analytics.outcomes import flag
from analytics.repurchase import chatters
from analytics.settings import AnalyticsSettings
from analytics.sql import ORDER, epoch, seconds
from analytics.types import Migration

SEGMENTS = ("champions", "loyal", "promising", "needs_attention", "at_risk", "lost", "prospect")
RANK = {name: i for i, name in enumerate(SEGMENTS)}
YEAR = timedelta(days=365)


def order_stats(at: datetime, prefix: str) -> list[Any]:
    """Aggregates over ORDER (joined per customer) as of `at`: last order, count, spend in 365 d."""
    o = ORDER.c
    before = o.created_at < at
    in_year = and_(o.created_at >= at - YEAR, before)
    return [
        (literal(seconds(at), Float) - epoch(func.max(case((before, o.created_at))))).label(
            f"{prefix}since_s"
        ),
        func.sum(flag(in_year)).label(f"{prefix}orders"),
        func.coalesce(func.sum(case((in_year, o.total), else_=0)), 0).label(f"{prefix}spend"),
    ]


def segment(settings: AnalyticsSettings, since_s: Any, orders: Any) -> ColumnElement[str]:
    """The segment name from seconds since the last order (NULL: none) and 365-day orders."""
    r_hi, r_mid = (d * 86_400 for d in settings.rfm_recency_days)
    f_mid, f_hi = settings.rfm_frequency_orders
    n = func.coalesce(orders, 0)
    r = case((since_s <= r_hi, 3), (since_s <= r_mid, 2), else_=1)
    f = case((n >= f_hi, 3), (n >= f_mid, 2), else_=1)
    return case(
        (since_s.is_(None), "prospect"),
        ((r == 3) & (f == 3), "champions"),
        ((r >= 2) & (f >= 2), "loyal"),
        (r == 3, "promising"),
        (r == 2, "needs_attention"),
        (f >= 2, "at_risk"),
        else_="lost",
    )


def chatter_segments(scope: Scope) -> Any:
    """Subquery (customer_id, before, after): each chatter's segment at the range's start, end."""
    ch = chatters(scope)
    end = min(scope.t1, scope.as_of)
    per_customer = (
        select(ch.c.customer_id, *order_stats(scope.t0, "a_"), *order_stats(end, "b_"))
        .select_from(
            ch.outerjoin(
                ORDER, and_(ORDER.c.customer_id == ch.c.customer_id, ORDER.c.created_at < end)
            )
        )
        .group_by(ch.c.customer_id)
        .subquery("per_customer")
    )
    p = per_customer.c
    s = scope.settings
    return select(
        p.customer_id,
        segment(s, p.a_since_s, p.a_orders).label("before"),
        segment(s, p.b_since_s, p.b_orders).label("after"),
    ).subquery("segments")


def rfm_migration(connection: Connection, scope: Scope) -> Migration:
    labelled = chatter_segments(scope)
    rows = connection.execute(
        select(labelled.c.before, labelled.c.after, func.count().label("n")).group_by(
            labelled.c.before, labelled.c.after
        )
    ).all()
    cells = tuple(
        sorted(
            ((r.before, r.after, int(r.n)) for r in rows), key=lambda x: (RANK[x[0]], RANK[x[1]])
        )
    )
    return Migration(
        segments=SEGMENTS,
        cells=cells,
        customers=sum(n for _, _, n in cells),
        improved=sum(n for a, b, n in cells if RANK[b] < RANK[a]),
        declined=sum(n for a, b, n in cells if RANK[b] > RANK[a]),
    )
