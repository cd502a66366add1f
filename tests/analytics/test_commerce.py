"""Click-through, assisted orders and revenue on a hand-built shop."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import Engine

from analytics.commerce import commerce_metrics
from analytics.filters import Filters, Scope
from analytics.settings import AnalyticsSettings
from analytics.types import Rate
from tests.analytics.builder import ShopBuilder, at

RANGE = Filters(date(2026, 3, 2), date(2026, 3, 8))
AS_OF = at(20)


def shop() -> ShopBuilder:
    """P1 shows c1 cards S1 S2 and cites S3; P2 (telegram, Feb 26) shows c2 S4; P4 (Feb 20)
    shows c4 S5; P5 is a visitor shown S1. Orders in range: O1 O2 O4 O5 O6 O7."""
    b = ShopBuilder()
    for cid in (1, 2, 3, 4):
        b.customer(cid)
    b.conversation("P1", at(2, 10), customer=1)
    b.turn("P1", at(2, 10), "user", "gift ideas", intent="recommendation")
    b.turn(
        "P1", at(2, 10, 1), "assistant", "these", cards=["S1", "S2"], cites=["S3#price", "faq.md#h"]
    )
    b.click("P1", "S1", at(2, 10, 2))
    b.click("P1", "S1", at(2, 10, 3))  # clicked twice: one clicked pair
    b.conversation("P2", at(26, month=2), customer=2, channel="telegram")
    b.turn("P2", at(26, month=2), "assistant", "try this", cards=["S4"])
    b.conversation("P4", at(20, month=2), customer=4)
    b.turn("P4", at(20, month=2), "assistant", "try this", cards=["S5"])
    b.conversation("P5", at(3, 9), user="v9")
    b.turn("P5", at(3, 9), "assistant", "try this", cards=["S1"])
    b.click("P5", "S9", at(3, 9, 1))  # a SKU never shown there: not a click-through

    b.order("O1", 1, at(4), [("S1", 2, 10.0), ("X", 1, 5.0)])  # S1 shown 2 days before: assisted
    b.order("O2", 1, at(8), [("S3", 1, 7.0)])  # S3 cited 6 days before: assisted
    b.order("O3", 1, at(20), [("S1", 1, 10.0)])  # after the range
    b.order("O4", 2, at(3), [("S4", 1, 100.0)])  # shown 5 days before, before the range: assisted
    b.order("O5", 3, at(5), [("S1", 1, 10.0)])  # c3 never chatted
    b.order("O6", 2, at(6), [("S2", 1, 20.0)])  # S2 was shown to c1, not c2
    b.order("O7", 4, at(2), [("S5", 1, 50.0)])  # shown 10 days before: outside N = 7
    return b


def scope(filters: Filters = RANGE, **settings: object) -> Scope:
    return Scope(filters, AnalyticsSettings(**settings), AS_OF)  # type: ignore[arg-type]


def test_click_through_and_assisted_orders(db: Engine) -> None:
    shop().write(db)
    with db.connect() as conn:
        m = commerce_metrics(conn, scope())
    # shown pairs in range: (P1,S1) (P1,S2) (P5,S1); clicked: (P1,S1)
    assert m.cards_shown == 3
    assert m.click_through == Rate(1, 3)
    assert m.orders == 6
    assert m.revenue == pytest.approx(25 + 7 + 100 + 10 + 20 + 50)
    assert m.assisted_orders == Rate(3, 6)  # O1 O2 O4
    assert m.assisted_revenue == pytest.approx(25 + 7 + 100)
    assert m.assisted_revenue_share == pytest.approx(132 / 212)
    assert m.currency == "CNY"


def test_window_length_is_a_setting(db: Engine) -> None:
    shop().write(db)
    with db.connect() as conn:
        short = commerce_metrics(conn, scope(assisted_window_days=3))
        long = commerce_metrics(conn, scope(assisted_window_days=10))
    # 3 days: only O1 (2 days); 10 days: O7 (10 days) joins O1 O2 O4.
    assert short.assisted_orders == Rate(1, 6)
    assert long.assisted_orders == Rate(4, 6)


def test_channel_filter_applies_to_the_assisting_conversation(db: Engine) -> None:
    shop().write(db)
    with db.connect() as conn:
        m = commerce_metrics(conn, scope(Filters(RANGE.start, RANGE.end, ("telegram",))))
    assert m.assisted_orders == Rate(1, 6)  # O4, through P2 on Telegram
    assert m.click_through == Rate(0, 0)


def test_orders_per_day(db: Engine) -> None:
    shop().write(db)
    with db.connect() as conn:
        days = commerce_metrics(conn, scope()).days
    assert [(d.day.day, d.orders, d.assisted) for d in days] == [
        (2, 1, 0), (3, 1, 1), (4, 1, 1), (5, 1, 0), (6, 1, 0), (7, 0, 0), (8, 1, 1),
    ]  # fmt: skip


def test_no_orders(db: Engine) -> None:
    with db.connect() as conn:
        m = commerce_metrics(conn, scope())
    assert (m.orders, m.revenue, m.cards_shown) == (0, 0.0, 0)
    assert m.assisted_orders.value is None
    assert m.assisted_revenue_share is None
