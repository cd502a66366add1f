"""A forgotten customer's conversations and orders leave the analytics' inputs."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Engine

from analytics import build_report
from analytics.filters import Filters
from bot.forget import forget_customer
from tests.analytics.builder import at
from tests.analytics.datasets import SERVICE_AS_OF, service_shop

MARCH_2_TO_8 = Filters(date(2026, 3, 2), date(2026, 3, 8))


def test_report_after_forgetting_a_customer(db: Engine) -> None:
    shop = service_shop()
    # c3 chatted in D and E and ordered twice in range; c4 ordered once
    shop.order("O-31", 3, at(6, 9), [("S1", 1, 100.0)])
    shop.order("O-32", 3, at(8, 11), [("S1", 2, 100.0), ("S2", 1, 50.0)])
    shop.order("O-41", 4, at(7, 15), [("S2", 1, 50.0)])
    shop.click("D", "S1", at(5, 23, 51))
    shop.write(db)

    before = build_report(db, MARCH_2_TO_8, as_of=SERVICE_AS_OF)
    assert before.service.conversations == 8
    assert before.commerce.orders == 3
    assert before.commerce.revenue == 400.0
    assert before.service.csat_rated.numerator == 3  # A, C and D

    report = forget_customer(db, "c3@example.com")
    assert report.conversations == ("D", "E")

    after = build_report(db, MARCH_2_TO_8, as_of=SERVICE_AS_OF)
    assert after.service.conversations == 6  # D and E are gone
    assert after.commerce.orders == 1  # only c4's order is left
    assert after.commerce.revenue == 50.0
    assert after.service.csat_rated.numerator == 2  # D's rating went with it
    assert after.commerce.cards_shown == 0 and after.commerce.click_through.numerator == 0
