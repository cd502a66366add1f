"""Links from a figure to the conversations behind it, in the staff console.

    {conversations_url}?from=2026-03-01&to=2026-03-31&channel=web&lang=zh&metric=handoff[&key=...]
    {conversations_url}?ids=a,b,c          (a short explicit list, e.g. a knowledge gap)

The console resolves `metric` (and `key`) with `analytics.drilldown.conversation_ids`.
"""

from __future__ import annotations

from collections.abc import Sequence
from urllib.parse import urlencode

from analytics.filters import Filters


def filter_params(filters: Filters) -> list[tuple[str, str]]:
    params = [("from", filters.start.isoformat()), ("to", filters.end.isoformat())]
    params += [("channel", ch) for ch in filters.channels]
    params += [("lang", lang) for lang in filters.langs]
    return params


def metric_link(base: str, filters: Filters, metric: str, key: str = "") -> str:
    params = [*filter_params(filters), ("metric", metric)]
    if key:
        params.append(("key", key))
    return f"{base}?{urlencode(params)}"


def ids_link(base: str, ids: Sequence[str]) -> str:
    return f"{base}?{urlencode([('ids', ','.join(ids))])}"
