"""Service metrics on the hand-built shop of datasets.service_shop, counted by hand."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import Engine

from analytics.filters import Filters, Scope
from analytics.series import daily
from analytics.service import service_metrics
from analytics.settings import AnalyticsSettings
from analytics.types import Count, Rate
from tests.analytics.datasets import SERVICE_AS_OF, service_shop

MARCH_2_TO_8 = Filters(date(2026, 3, 2), date(2026, 3, 8))


def scope(filters: Filters = MARCH_2_TO_8, **settings: object) -> Scope:
    return Scope(filters, AnalyticsSettings(**settings), SERVICE_AS_OF)  # type: ignore[arg-type]


def test_every_service_metric_on_the_hand_built_shop(db: Engine) -> None:
    service_shop().write(db)
    with db.connect() as conn:
        m = service_metrics(conn, scope())

    # In range: A K B C D F E G (H is before, I after).
    assert m.conversations == 8
    # Confirmed A, K; assumed D (c3 back only after 2 days), E, F; G pending (window open
    # at Mar 9 12:00); B not (c2 back within 11 h); C handed off. 5 of the 7 decided.
    assert (m.confirmed_resolutions, m.assumed_resolutions, m.pending_outcomes) == (2, 3, 1)
    assert m.automated_resolution == Rate(5, 7)
    assert m.handoff == Rate(1, 8)
    # Known durability: A (c1 back on track_order within 7 days: no), D (c3 back on
    # product_question after 2 days: no), K (7 days passed with no return: yes).
    assert m.durable_resolution == Rate(1, 3)
    # Repeat within 7 days: A (I), B (C), D (E) yes; K no; C, E, F, G windows still open.
    assert m.repeat_contact == Rate(3, 4)
    assert m.csat_rated == Rate(3, 8)
    assert m.csat_mean == pytest.approx((5 + 2 + 4) / 3)
    assert m.csat_satisfied == Rate(2, 3)
    assert m.thumbs_up == Rate(1, 2)
    # ten assistant answers in range, B's failed a check
    assert m.failed_verification == Rate(1, 10)
    # first replies: F 2, K 3, A 4, G 5, C 6, B 10, E 20, D 30 -> p50 rank 4, p90 rank 8
    assert m.first_response_s.n == 8
    assert m.first_response_s.p50 == pytest.approx(5)
    assert m.first_response_s.p90 == pytest.approx(30)
    # resolved: K 60, F 60, E 180, A 300, C 1800 (closed), D 1800 -> ranks 3 and 6
    assert m.resolution_time_s.n == 6
    assert m.resolution_time_s.p50 == pytest.approx(180)
    assert m.resolution_time_s.p90 == pytest.approx(1800)
    assert m.top_intents == (
        Count("get_refund", 2, 2 / 8),
        Count("product_question", 2, 2 / 8),
        Count("track_order", 2, 2 / 8),
        Count("check_refund_policy", 1, 1 / 8),
        Count("delivery_options", 1, 1 / 8),
        Count("greeting", 1, 1 / 8),
        Count("other", 1, 1 / 8),
    )


def test_channel_and_language_filters(db: Engine) -> None:
    service_shop().write(db)
    with db.connect() as conn:
        telegram = service_metrics(
            conn, scope(Filters(date(2026, 3, 2), date(2026, 3, 8), ("telegram",)))
        )
        chinese = service_metrics(
            conn, scope(Filters(date(2026, 3, 2), date(2026, 3, 8), langs=("zh",)))
        )
    assert telegram.conversations == 1
    assert telegram.handoff == Rate(1, 1)
    assert telegram.automated_resolution == Rate(0, 1)
    # B's return (C) is seen although C is on another channel: B stays unresolved.
    assert chinese.conversations == 2
    assert chinese.automated_resolution == Rate(0, 2)
    assert chinese.repeat_contact == Rate(1, 1)
    assert chinese.thumbs_up == Rate(0, 1)


def test_windows_are_settings(db: Engine) -> None:
    service_shop().write(db)
    with db.connect() as conn:
        # A 3-day window: D (E came after 2 d 9 h) still repeats, A (I after 6 d 22 h) no longer.
        m = service_metrics(conn, scope(repeat_window_days=3, durable_window_days=3))
    # Known: A no, B yes, C no, D yes, K no; E, F, G windows still open at Mar 9 12:00.
    assert m.repeat_contact == Rate(2, 5)
    # A durable now (I came after 3 days), D not, K yes; E and F unknown.
    assert m.durable_resolution == Rate(2, 3)


def test_daily_series_buckets_by_start_day(db: Engine) -> None:
    service_shop().write(db)
    with db.connect() as conn:
        days = daily(conn, scope())
    assert [d.day.day for d in days] == [2, 3, 4, 5, 6, 7, 8]
    assert [d.conversations for d in days] == [2, 2, 0, 1, 0, 1, 2]
    assert days[0].automated_resolution == Rate(2, 2)
    assert days[1].automated_resolution == Rate(0, 2)
    assert days[1].handoff == Rate(1, 2)
    assert days[1].csat_mean == pytest.approx(2)
    # D started 23:50 on the 5th and ended after midnight: it is the 5th's.
    assert days[3].csat_mean == pytest.approx(4)
    assert days[4].automated_resolution == Rate(0, 0)
    # E assumed resolved, G pending: one decided, resolved.
    assert days[6].automated_resolution == Rate(1, 1)


def test_no_conversations_gives_empty_figures(db: Engine) -> None:
    with db.connect() as conn:
        m = service_metrics(conn, scope())
        days = daily(conn, scope())
    assert m.conversations == 0
    assert m.automated_resolution == Rate(0, 0)
    assert m.automated_resolution.value is None
    assert m.csat_mean is None
    assert m.first_response_s.n == 0
    assert m.first_response_s.p50 is None
    assert m.resolution_time_s.p90 is None
    assert m.top_intents == ()
    assert all(d.conversations == 0 for d in days)
