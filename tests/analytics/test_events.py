"""Recording recommendation clicks, and forgetting them."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Engine, select

from analytics.commerce import commerce_metrics
from analytics.events import CARD_CLICK, forget_clicks, record_card_click
from analytics.filters import Filters, Scope
from analytics.settings import AnalyticsSettings
from tests.analytics.builder import ShopBuilder, at


def test_a_recorded_click_counts_and_forgetting_removes_it(db: Engine) -> None:
    b = ShopBuilder()
    b.conversation("w1", at(2), user="v")
    b.turn("w1", at(2), "assistant", "these", cards=["S1", "S2"])
    b.write(db)
    record_card_click(db, "w1", "S2", turn_id="t1", at=at(2, 12, 1))
    scope = Scope(Filters(date(2026, 3, 1), date(2026, 3, 3)), AnalyticsSettings(), at(10))
    with db.connect() as conn:
        assert commerce_metrics(conn, scope).click_through.numerator == 1
        row = conn.execute(select(CARD_CLICK)).one()
    assert (row.conversation_id, row.sku, row.turn_id) == ("w1", "S2", "t1")
    assert forget_clicks(db, ["w1"]) == 1
    assert forget_clicks(db, []) == 0
    with db.connect() as conn:
        assert commerce_metrics(conn, scope).click_through.numerator == 0
