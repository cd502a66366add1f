"""Repurchase matching, retention cohorts, RFM migration and the loyalty score, counted by hand."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlalchemy import Engine

from analytics.cohorts import cohorts
from analytics.filters import Filters, Scope
from analytics.loyalty import customer_loyalty, formula, loyalty
from analytics.repurchase import repurchase
from analytics.rfm import rfm_migration
from analytics.settings import AnalyticsSettings
from analytics.types import Rate, Stratum
from tests.analytics.builder import ShopBuilder, at

RANGE = Filters(date(2026, 3, 2), date(2026, 3, 8))


def chat(b: ShopBuilder, cid: str, customer: int, when: datetime, csat: int | None = None) -> None:
    b.conversation(cid, when, customer=customer, csat=csat)
    b.turn(cid, when, "user", "hello", intent="product_question")


def test_repurchase_against_matched_non_chatters(db: Engine) -> None:
    b = ShopBuilder()
    for cid in range(1, 10):
        b.customer(cid)
    b.rows["customer"][6]["created_at"] = at(5)  # c7 signed up inside the range
    b.order("c1-old", 1, at(10, month=1), [("A", 1, 10.0)])
    chat(b, "k1", 1, at(3, 10))
    b.order("c1-new", 1, at(10), [("A", 1, 10.0)])  # 7 days after: repurchased
    chat(b, "k2", 2, at(4))  # no orders at all
    b.order("c3-a", 3, at(20, month=2), [("A", 1, 10.0)])
    b.order("c3-b", 3, at(25, month=2), [("A", 1, 10.0)])
    chat(b, "k3", 3, at(3, 10))
    b.order("c3-new", 3, at(5), [("A", 1, 10.0)])
    b.order("c4-old", 4, at(5, month=1), [("A", 1, 10.0)])
    b.order("c4-new", 4, at(11), [("A", 1, 10.0)])  # non-chatter, inside its window
    b.order("c5-old", 5, at(20, month=1), [("A", 1, 10.0)])
    b.order("c8-old", 8, at(15, month=1), [("A", 1, 10.0)])
    chat(b, "k8", 8, at(11))  # chats inside the non-chatters' window: in neither group
    chat(b, "k9", 9, at(8, 10))  # window ends Mar 18, after the as-of: not counted yet
    b.write(db)
    settings = AnalyticsSettings(repurchase_window_days=10)
    with db.connect() as conn:
        r = repurchase(conn, Scope(RANGE, settings, at(15)))
    assert r.strata == (
        Stratum("0", "none", chatted=1, chatted_repurchased=0, others=1, others_repurchased=0),
        Stratum("1", "31-90d", chatted=1, chatted_repurchased=1, others=2, others_repurchased=1),
        Stratum("2-3", "<=30d", chatted=1, chatted_repurchased=1, others=0, others_repurchased=0),
    )
    assert r.chatted == Rate(1, 2)  # c1 of c1, c2 (c3's stratum has no non-chatter)
    assert r.matched_others == Rate(1, 3)  # c4 of c4, c5, c6
    # re-weighted to the chatters' mix: 1/2 x 1/2 (c4, c5) + 1/2 x 0/1 (c6)
    assert r.matched_others_rate == pytest.approx(0.25)
    assert r.unmatched_chatters == 1
    assert r.immature_chatters == 1


def test_non_chatters_are_sampled_by_customer_id(db: Engine) -> None:
    b = ShopBuilder()
    for cid in range(1, 10):
        b.customer(cid)
        b.order(f"old-{cid}", cid, at(10, month=1), [("A", 1, 10.0)])
    chat(b, "k1", 1, at(3))
    b.order("c6-new", 6, at(4), [("A", 1, 10.0)])
    b.write(db)
    # 9 customers, at most 3 read: every 3rd id, i.e. 3, 6, 9 (none of them chatted)
    settings = AnalyticsSettings(repurchase_window_days=10, repurchase_sample=3)
    with db.connect() as conn:
        r = repurchase(conn, Scope(RANGE, settings, at(15)))
    assert r.matched_others == Rate(1, 3)  # c6 ordered
    assert r.chatted == Rate(0, 1)


def test_repurchase_without_data(db: Engine) -> None:
    with db.connect() as conn:
        r = repurchase(conn, Scope(RANGE, AnalyticsSettings(), at(30, month=4)))
    assert r.strata == ()
    assert r.chatted == Rate(0, 0)
    assert r.matched_others_rate is None


def test_weekly_retention_cohorts(db: Engine) -> None:
    b = ShopBuilder()
    for cid in (1, 2, 3, 4):
        b.customer(cid)
    chat(b, "c1", 1, at(3))  # cohort of Monday Mar 2
    b.order("o1", 1, at(4), [("A", 1, 1.0)])  # week 0
    b.order("o2", 1, at(18), [("A", 1, 1.0)])  # week 2
    chat(b, "c2", 2, at(4))  # cohort Mar 2
    b.order("o3", 2, at(1), [("A", 1, 1.0)])  # before the first conversation: not counted
    b.order("o4", 2, at(10), [("A", 1, 1.0)])  # week 1
    chat(b, "c3a", 3, at(20, month=2))  # first seen in February: not in these cohorts
    chat(b, "c3b", 3, at(5))
    b.order("o5", 3, at(6), [("A", 1, 1.0)])
    chat(b, "c4", 4, at(10, 12))  # cohort of Monday Mar 9
    b.order("o6", 4, at(10, 8), [("A", 1, 1.0)])  # hours before the conversation
    b.order("o7", 4, at(12), [("A", 1, 1.0)])  # week 0
    b.conversation("v", at(3), user="visitor")  # no customer: no cohort
    b.write(db)
    settings = AnalyticsSettings(cohort_weeks=3)
    with db.connect() as conn:
        rows = cohorts(conn, Scope(Filters(date(2026, 3, 2), date(2026, 3, 15)), settings, at(20)))
    assert [(c.week, c.customers) for c in rows] == [(date(2026, 3, 2), 2), (date(2026, 3, 9), 1)]
    assert rows[0].retention == (0.5, 0.5, 0.5)
    assert rows[0].ordered == (1, 1, 1)
    assert rows[1].retention == (1.0, 0.0, None)  # week 2 starts Mar 23, after the as-of


def rfm_shop() -> ShopBuilder:
    b = ShopBuilder()
    for cid in range(1, 9):
        b.customer(cid)

    def buy(oid: str, cid: int, when: datetime, amount: float = 100.0) -> None:
        b.order(oid, cid, when, [("A", 1, amount)])

    buy("1a", 1, at(20, month=1))
    buy("1b", 1, at(10, month=2))
    buy("1c", 1, at(5))  # loyal -> loyal
    buy("2a", 2, at(6), 250.0)  # no order before: prospect -> promising
    buy("3a", 3, datetime(2025, 10, 1, 12, tzinfo=at(1).tzinfo))
    buy("3b", 3, datetime(2025, 11, 1, 12, tzinfo=at(1).tzinfo))  # at risk -> at risk
    buy("4a", 4, datetime(2025, 12, 20, 12, tzinfo=at(1).tzinfo))
    buy("4b", 4, at(7))  # needs attention -> loyal
    for day in (1, 5, 10, 20):
        buy(f"5-{day}", 5, at(day, month=2))  # champions -> champions
    buy("6a", 6, datetime(2024, 12, 1, 12, tzinfo=at(1).tzinfo))  # lost -> lost
    buy("8a", 8, at(5, month=2))  # 25 days: promising -> 32 days: needs attention
    buy("7a", 7, at(5))  # never chatted: not counted
    for cid in (1, 2, 3, 4, 6, 8):
        chat(b, f"k{cid}", cid, at(3 + cid % 5))
    chat(b, "k5", 5, at(4), csat=5)
    return b


def test_rfm_migration_of_chatters(db: Engine) -> None:
    rfm_shop().write(db)
    with db.connect() as conn:
        m = rfm_migration(conn, Scope(RANGE, AnalyticsSettings(), at(1, month=4)))
    assert set(m.cells) == {
        ("loyal", "loyal", 1),
        ("prospect", "promising", 1),
        ("at_risk", "at_risk", 1),
        ("needs_attention", "loyal", 1),
        ("champions", "champions", 1),
        ("lost", "lost", 1),
        ("promising", "needs_attention", 1),
    }
    assert (m.customers, m.improved, m.declined) == (7, 2, 1)


def expected_score(days: float | None, orders: int, spend: float, csat: float | None) -> float:
    """The documented formula with the default weights and caps."""
    r = 0.0 if days is None or days >= 365 else 1 - days / 365
    f = min(1.0, orders / 10)
    m = min(1.0, spend / 5000)
    s = 0.5 if csat is None else (csat - 1) / 4
    return 100 * (0.35 * r + 0.30 * f + 0.20 * m + 0.15 * s)


def test_loyalty_scores_of_chatters(db: Engine) -> None:
    rfm_shop().write(db)
    settings = AnalyticsSettings()
    with db.connect() as conn:
        scores = loyalty(conn, Scope(RANGE, settings, at(1, month=4)))
        lonely = customer_loyalty(conn, settings, 2, at(1))  # before c2's first order
        nobody = customer_loyalty(conn, settings, 99, at(1))
    # As of the range's end, Mar 9 00:00. c5: last order Feb 20 12:00 = 16.5 days.
    c5 = expected_score(16.5, 4, 400, 5)
    c1 = expected_score(3.5, 3, 300, None)  # last order Mar 5 12:00
    c4 = expected_score(1.5, 2, 200, None)  # Dec 20 and Mar 7
    c2 = expected_score(2.5, 1, 250, None)
    c8 = expected_score(31.5, 1, 100, None)
    c3 = expected_score(127.5, 2, 200, None)  # Nov 1 12:00
    c6 = expected_score(463.5, 0, 0, None)  # its only order is over a year old
    expected = sorted([c1, c2, c3, c4, c5, c6, c8], reverse=True)
    assert scores.customers == 7
    assert [row.score for row in scores.top] == [round(x, 2) for x in expected]
    assert scores.top[0].customer_id == 5
    assert scores.top[0].segment == "champions"
    assert scores.top[0].recency_days == pytest.approx(16.5)
    assert scores.top[0].csat_mean == pytest.approx(5)
    assert scores.mean_score == pytest.approx(sum(expected) / 7)
    bands = [0] * 10
    for x in expected:
        bands[min(int(x // 10), 9)] += 1
    assert scores.histogram == tuple(bands)
    assert "0.35·R" in scores.formula and "/ 5000" in scores.formula
    # a customer with no order: only satisfaction's neutral half counts
    assert lonely is not None
    assert lonely.score == pytest.approx(expected_score(None, 0, 0, None))
    assert (lonely.orders_365d, lonely.recency_days, lonely.segment) == (0, None, "prospect")
    assert nobody is None


def test_formula_is_written_with_the_settings() -> None:
    settings = AnalyticsSettings(loyalty_weights=(0.4, 0.3, 0.2, 0.1), loyalty_monetary_cap=800)
    assert formula(settings).startswith("score = 100 × (0.4·R + 0.3·F + 0.2·M + 0.1·S)")
    assert "/ 800" in formula(settings)
    assert "平均满意度" in formula(settings, "zh")


def test_settings_refuse_inconsistent_values() -> None:
    with pytest.raises(ValueError):
        AnalyticsSettings(loyalty_weights=(0.5, 0.5, 0.5, 0.5))
    with pytest.raises(ValueError):
        AnalyticsSettings(rfm_recency_days=(90, 30))
    with pytest.raises(ValueError):
        AnalyticsSettings(timezone="Mars/Olympus")
