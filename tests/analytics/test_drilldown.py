"""Each figure's link resolves to exactly the conversations behind it."""

from __future__ import annotations

from datetime import date
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import Engine

from analytics.drilldown import METRICS, conversation_ids
from analytics.errors import InvalidFilters
from analytics.filters import Filters, Scope
from analytics.links import ids_link, metric_link
from analytics.settings import AnalyticsSettings
from tests.analytics.datasets import SERVICE_AS_OF, service_shop

SCOPE = Scope(Filters(date(2026, 3, 2), date(2026, 3, 8)), AnalyticsSettings(), SERVICE_AS_OF)


@pytest.mark.parametrize(
    ("metric", "key", "expected"),
    [
        ("conversations", "", {"A", "K", "B", "C", "D", "F", "E", "G"}),
        ("automated_resolution", "", {"A", "K", "D", "E", "F"}),
        ("confirmed", "", {"A", "K"}),
        ("assumed", "", {"D", "E", "F"}),
        ("pending", "", {"G"}),
        ("handoff", "", {"C"}),
        ("resolved", "", {"A", "K", "D", "E", "F", "C"}),
        ("durable", "", {"K"}),
        ("not_durable", "", {"A", "D"}),
        ("repeat_contact", "", {"A", "B", "D"}),
        ("csat_rated", "", {"A", "C", "D"}),
        ("csat_low", "", {"C"}),
        ("thumbs_down", "", {"B"}),
        ("failed_verification", "", {"B"}),
        ("intent", "get_refund", {"B", "C"}),
        ("chatters", "", {"A", "K", "B", "C", "D", "E", "G"}),
        ("customer", "3", {"D", "E"}),
        ("cohort", "2026-03-02", {"A", "K", "B", "C", "D", "E", "G"}),
    ],
)
def test_conversations_behind_each_figure(
    db: Engine, metric: str, key: str, expected: set[str]
) -> None:
    service_shop().write(db)
    with db.connect() as conn:
        ids = conversation_ids(conn, SCOPE, metric, key)
    assert set(ids) == expected
    assert len(ids) == len(expected)


def test_newest_first_and_limited(db: Engine) -> None:
    service_shop().write(db)
    with db.connect() as conn:
        assert conversation_ids(conn, SCOPE, "conversations", limit=3) == ["G", "E", "F"]


def test_unknown_metric_and_bad_keys(db: Engine) -> None:
    with db.connect() as conn:
        with pytest.raises(InvalidFilters):
            conversation_ids(conn, SCOPE, "revenue_per_moon")
        with pytest.raises(InvalidFilters):
            conversation_ids(conn, SCOPE, "cohort", "last week")
        with pytest.raises(InvalidFilters):
            conversation_ids(conn, SCOPE, "customer", "alice")
    assert "handoff" in METRICS


def test_links_carry_the_filters() -> None:
    filters = Filters(date(2026, 3, 2), date(2026, 3, 8), ("web", "telegram"), ("zh",))
    url = metric_link("/console/conversations", filters, "intent", "track_order")
    parts = urlsplit(url)
    assert parts.path == "/console/conversations"
    assert parse_qs(parts.query) == {
        "from": ["2026-03-02"], "to": ["2026-03-08"], "channel": ["web", "telegram"],
        "lang": ["zh"], "metric": ["intent"], "key": ["track_order"],
    }  # fmt: skip
    assert ids_link("/c", ["a", "b"]) == "/c?ids=a%2Cb"
