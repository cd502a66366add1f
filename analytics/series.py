"""Daily series for the line charts: volume, bot resolution, handoff, CSAT per local day."""

from __future__ import annotations

from sqlalchemy import Connection, func, select

from analytics.filters import Scope
from analytics.outcomes import outcomes
from analytics.sql import as_int, bucket_of
from analytics.types import DayPoint, Rate


def daily(connection: Connection, scope: Scope) -> tuple[DayPoint, ...]:
    """One point per local day of the range, days without conversations included.

    Each day's rates use the same definitions and denominators as the headline
    figures, restricted to the conversations started that day.
    """
    days = scope.days()
    o = outcomes(connection, scope)
    # The bucket is computed in a subquery and grouped by name: PostgreSQL cannot
    # match a GROUP BY expression holding bound parameters with its SELECT twin.
    bucketed = select(o, bucket_of(o.c.started_at, days).label("b")).subquery("bucketed")
    b = bucketed.c
    rows = connection.execute(
        select(
            b.b,
            func.count().label("n"),
            func.sum(b.handed).label("handed"),
            func.sum(b.automated).label("automated"),
            func.sum(b.pending).label("pending"),
            func.avg(b.csat).label("csat"),
        )
        .where(b.b >= 0)
        .group_by(b.b)
    ).all()
    by_day = {int(r.b): r for r in rows}
    points = []
    for i, day in enumerate(days):
        r = by_day.get(i)
        n = as_int(r.n) if r else 0
        points.append(
            DayPoint(
                day=day.label,
                conversations=n,
                automated_resolution=Rate(
                    as_int(r.automated) if r else 0, n - (as_int(r.pending) if r else 0)
                ),
                handoff=Rate(as_int(r.handed) if r else 0, n),
                csat_mean=float(r.csat) if r is not None and r.csat is not None else None,
            )
        )
    return tuple(points)
