"""Days and weeks are the shop's local ones, daylight-saving changes included."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import Engine

from analytics.errors import InvalidFilters
from analytics.filters import Filters, Scope, local_date
from analytics.series import daily
from analytics.service import service_metrics
from analytics.settings import AnalyticsSettings
from tests.analytics.builder import ShopBuilder, at
from tests.analytics.datasets import SERVICE_AS_OF, service_shop

NEW_YORK = AnalyticsSettings(timezone="America/New_York")
SHANGHAI = AnalyticsSettings(timezone="Asia/Shanghai")


def test_local_days_have_their_real_length() -> None:
    # Clocks in New York went forward on Sunday 8 March 2026.
    scope = Scope(Filters(date(2026, 3, 7), date(2026, 3, 9)), NEW_YORK, at(20))
    days = scope.days()
    assert [d.hi - d.lo for d in days] == [
        timedelta(hours=24),
        timedelta(hours=23),
        timedelta(hours=24),
    ]
    assert days[0].lo == datetime(2026, 3, 7, 5, tzinfo=UTC)  # midnight EST
    assert days[2].lo == datetime(2026, 3, 9, 4, tzinfo=UTC)  # midnight EDT
    assert (scope.t0, scope.t1) == (days[0].lo, days[2].hi)


def test_weeks_start_on_local_mondays() -> None:
    scope = Scope(Filters(date(2026, 3, 4), date(2026, 3, 20)), SHANGHAI, at(25))
    weeks = scope.cohort_weeks()
    assert [w.label for w in weeks] == [date(2026, 3, 2), date(2026, 3, 9), date(2026, 3, 16)]
    assert weeks[0].lo == datetime(2026, 3, 1, 16, tzinfo=UTC)  # Monday 00:00 in Shanghai


def test_conversations_bucket_by_the_shops_day(db: Engine) -> None:
    service_shop().write(db)
    with db.connect() as conn:
        scope = Scope(Filters(date(2026, 3, 2), date(2026, 3, 8)), SHANGHAI, SERVICE_AS_OF)
        m = service_metrics(conn, scope)
        days = daily(conn, scope)
    # In Shanghai (UTC+8) G (22:00 UTC on the 8th) is on the 9th, outside the range;
    # H (10:00 UTC on the 1st) is 18:00 on the 1st, still outside.
    assert m.conversations == 7
    # C (20:00 UTC on the 3rd) is on the 4th there, D (23:50 UTC on the 5th) on the 6th.
    assert [d.conversations for d in days] == [2, 1, 1, 0, 1, 1, 1]
    assert days[4].csat_mean == pytest.approx(4)


def test_daylight_saving_night(db: Engine) -> None:
    b = ShopBuilder()
    b.conversation(
        "late", datetime(2026, 3, 9, 3, 30, tzinfo=UTC), user="a"
    )  # 23:30 EDT on the 8th
    b.conversation("early", datetime(2026, 3, 9, 4, 30, tzinfo=UTC), user="b")  # 00:30 on the 9th
    b.conversation("sat", datetime(2026, 3, 8, 4, 30, tzinfo=UTC), user="c")  # 23:30 EST on the 7th
    b.write(db)
    scope = Scope(Filters(date(2026, 3, 7), date(2026, 3, 9)), NEW_YORK, at(20))
    with db.connect() as conn:
        days = daily(conn, scope)
    assert [d.conversations for d in days] == [1, 1, 1]


def test_filters_are_checked() -> None:
    with pytest.raises(InvalidFilters):
        Filters(date(2026, 3, 9), date(2026, 3, 1))
    f = Filters(date(2026, 3, 10), date(2026, 3, 16), ("web",), ("zh",))
    assert f.previous() == Filters(date(2026, 3, 3), date(2026, 3, 9), ("web",), ("zh",))
    assert Filters.last_days(7, date(2026, 3, 16)) == Filters(date(2026, 3, 10), date(2026, 3, 16))
    assert local_date(datetime(2026, 3, 1, 17, tzinfo=UTC), SHANGHAI.zone) == date(2026, 3, 2)
