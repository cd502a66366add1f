"""A per-customer loyalty score from 0 to 100, with its formula spelled out.

    score = 100 × (wR·R + wF·F + wM·M + wS·S)
    R = 1 − days since the last order / 365 (0 after a year, or without orders)
    F = orders in the last 365 days / frequency cap (at most 1)
    M = spend in the last 365 days / monetary cap (at most 1)
    S = (mean CSAT − 1) / 4 over the customer's rated conversations, 0.5 when none

The weights and caps are settings; `formula(settings)` writes this with their
values, and that text is shown next to every score.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Float, and_, case, cast, func, literal, or_, select
from sqlalchemy.sql.elements import ColumnElement

from analytics.filters import Scope, to_utc
from analytics.repurchase import chatters
from analytics.rfm import order_stats, segment
from analytics.settings import AnalyticsSettings
from analytics.sql import CONVERSATION, CUSTOMER, ORDER, as_int
from analytics.types import Loyalty, LoyaltyRow

BANDS = 10


def formula(settings: AnalyticsSettings, lang: str = "en") -> str:
    """The score's formula with the configured weights and caps, in English or Chinese."""
    wr, wf, wm, ws = settings.loyalty_weights
    f_cap, m_cap = settings.loyalty_frequency_cap, settings.loyalty_monetary_cap
    head = f"score = 100 × ({wr:g}·R + {wf:g}·F + {wm:g}·M + {ws:g}·S); "
    if lang == "zh":
        return head + (
            "R = max(0, 1 − 距上次下单天数 / 365)；"
            f"F = min(1, 近 365 天订单数 / {f_cap})；"
            f"M = min(1, 近 365 天消费额 / {m_cap:g})；"
            "S = (平均满意度 − 1) / 4，从未评分记 0.5"
        )
    return head + (
        "R = max(0, 1 − days since last order / 365); "
        f"F = min(1, orders in 365 days / {f_cap}); "
        f"M = min(1, spend in 365 days / {m_cap:g}); "
        "S = (mean CSAT − 1) / 4, or 0.5 when never rated"
    )


def loyalty(connection: Connection, scope: Scope) -> Loyalty:
    """Scores of the customers who chatted in scope, as of the range's end.

    One statement: window functions add the band counts, the total and the mean
    to each scored row, and only the top rows and one row per band come back.
    """
    scored = _scored(scope.settings, chatters(scope), min(scope.t1, scope.as_of))
    s = scored.c
    band = case(*[(s.score < (i + 1) * 100 / BANDS, i) for i in range(BANDS - 1)], else_=BANDS - 1)
    windowed = (
        select(
            scored,
            CUSTOMER.c.name,
            band.label("band"),
            func.row_number().over(order_by=(s.score.desc(), s.customer_id)).label("rank"),
            func.row_number().over(partition_by=band, order_by=s.customer_id).label("in_band"),
            func.count().over(partition_by=band).label("band_n"),
            func.count().over().label("total_n"),
            func.avg(s.score).over().label("mean"),
        )
        .join_from(scored, CUSTOMER, CUSTOMER.c.id == s.customer_id, isouter=True)
        .subquery("windowed")
    )
    w = windowed.c
    rows = connection.execute(
        select(windowed).where(or_(w.rank <= scope.settings.top_n, w.in_band == 1)).order_by(w.rank)
    ).all()
    top = [r for r in rows if r.rank <= scope.settings.top_n]
    counts = {int(r.band): int(r.band_n) for r in rows if r.in_band == 1}
    return Loyalty(
        formula=formula(scope.settings),
        customers=as_int(rows[0].total_n) if rows else 0,
        mean_score=float(rows[0].mean) if rows else None,
        histogram=tuple(counts.get(i, 0) for i in range(BANDS)),
        top=tuple(_row(r) for r in top),
    )


def customer_loyalty(
    connection: Connection, settings: AnalyticsSettings, customer_id: int, at: datetime
) -> LoyaltyRow | None:
    """One customer's score as of `at`, or None when there is no such customer."""
    who = select(CUSTOMER.c.id.label("customer_id")).where(CUSTOMER.c.id == customer_id)
    scored = _scored(settings, who.subquery("who"), to_utc(at))
    row = connection.execute(
        select(scored, CUSTOMER.c.name).join_from(
            scored, CUSTOMER, CUSTOMER.c.id == scored.c.customer_id
        )
    ).first()
    return _row(row) if row is not None else None


def _scored(settings: AnalyticsSettings, population: Any, at: datetime) -> Any:
    """Subquery: customer_id, since_s, orders, spend, csat, segment, score for `population`."""
    o = ORDER.c
    stats = (
        select(population.c.customer_id, *order_stats(at, ""))
        .select_from(
            population.outerjoin(
                ORDER, and_(o.customer_id == population.c.customer_id, o.created_at < at)
            )
        )
        .group_by(population.c.customer_id)
        .subquery("stats")
    )
    c = CONVERSATION.c
    rated = (
        select(c.customer_id, func.avg(c.csat).label("csat"))
        .where(
            c.customer_id.in_(select(population.c.customer_id)),
            c.started_at < at,
            c.csat.is_not(None),
        )
        .group_by(c.customer_id)
        .subquery("rated")
    )
    st = stats.c
    return (
        select(
            st.customer_id,
            st.since_s,
            st.orders,
            st.spend,
            rated.c.csat,
            segment(settings, st.since_s, st.orders).label("segment"),
            _score(settings, st.since_s, st.orders, st.spend, rated.c.csat).label("score"),
        )
        .select_from(stats.outerjoin(rated, rated.c.customer_id == st.customer_id))
        .subquery("scored")
    )


def _score(
    settings: AnalyticsSettings, since_s: Any, orders: Any, spend: Any, csat: Any
) -> ColumnElement[float]:
    year_s = 365 * 86_400.0
    wr, wf, wm, ws = settings.loyalty_weights
    f_cap, m_cap = float(settings.loyalty_frequency_cap), settings.loyalty_monetary_cap
    recency = case((since_s.is_(None), 0.0), (since_s >= year_s, 0.0), else_=1.0 - since_s / year_s)
    frequency = case((orders >= f_cap, 1.0), else_=cast(orders, Float) / f_cap)
    monetary = case((spend >= m_cap, 1.0), else_=cast(spend, Float) / m_cap)
    satisfaction = case((csat.is_(None), 0.5), else_=(cast(csat, Float) - 1.0) / 4.0)
    return literal(100.0, Float) * (
        wr * recency + wf * frequency + wm * monetary + ws * satisfaction
    )


def _row(r: Any) -> LoyaltyRow:
    return LoyaltyRow(
        customer_id=int(r.customer_id),
        name=r.name or "",
        score=round(float(r.score), 2),
        recency_days=round(float(r.since_s) / 86_400, 2) if r.since_s is not None else None,
        orders_365d=as_int(r.orders),
        spend_365d=float(r.spend or 0),
        csat_mean=float(r.csat) if r.csat is not None else None,
        segment=r.segment,
    )
