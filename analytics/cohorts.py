"""Weekly retention cohorts by week of first conversation.

A customer's cohort is the local week (Monday to Sunday) of their first
conversation ever (among the channels and languages filtered on). The cohorts
shown are the weeks that overlap the range, the newest `max_cohorts`. Cell k of
a cohort is the share of its customers who placed an order in the k-th week
after the cohort week (k = 0 is the cohort week itself), counting only orders
at or after the first conversation; a week that has not started yet is None.
"""

from __future__ import annotations

from sqlalchemy import Connection, func, select

from analytics.filters import Scope
from analytics.sql import CONVERSATION, ORDER, as_int, bucket_of, channel_lang_conditions
from analytics.types import Cohort


def cohorts(connection: Connection, scope: Scope) -> tuple[Cohort, ...]:
    weeks = scope.cohort_weeks()
    if not weeks:
        return ()
    span = scope.settings.cohort_weeks
    later = scope.weeks(weeks[0].label, len(weeks) + span)
    c = CONVERSATION.c
    first_seen = func.min(c.started_at)
    first = (
        select(c.customer_id, first_seen.label("first"))
        .where(c.customer_id.is_not(None), *channel_lang_conditions(scope, c))
        .group_by(c.customer_id)
        .having(first_seen >= weeks[0].lo, first_seen < weeks[-1].hi)
        .subquery("first")
    )
    members = select(first, bucket_of(first.c.first, weeks).label("cw")).subquery("members")
    sizes = {
        int(r[0]): int(r[1])
        for r in connection.execute(select(members.c.cw, func.count()).group_by(members.c.cw))
    }
    o = ORDER.c
    activity = (
        select(
            members.c.customer_id,
            members.c.cw,
            bucket_of(o.created_at, later).label("ow"),
        )
        .select_from(members.join(ORDER, o.customer_id == members.c.customer_id))
        .where(o.created_at >= members.c.first, o.created_at < later[-1].hi)
        .subquery("activity")
    )
    counts = connection.execute(
        select(
            activity.c.cw,
            activity.c.ow,
            func.count(activity.c.customer_id.distinct()).label("n"),
        ).group_by(activity.c.cw, activity.c.ow)
    ).all()
    ordered = {(int(r.cw), int(r.ow) - int(r.cw)): as_int(r.n) for r in counts}
    out = []
    for i, week in enumerate(weeks):
        size = as_int(sizes.get(i))
        cells: list[float | None] = []
        raw: list[int] = []
        for k in range(span):
            n = ordered.get((i, k), 0)
            raw.append(n)
            started = later[i + k].lo <= scope.as_of
            cells.append(n / size if started and size else None)
        out.append(Cohort(week.label, size, tuple(cells), tuple(raw)))
    return tuple(out)
