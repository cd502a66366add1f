"""Demo data: reproducible, clearly marked, meaningful on the dashboard, and removable."""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime

from sqlalchemy import Engine, func, select

from analytics.demo_data import DEMO_EMAIL_DOMAIN, DemoSpec, generate_demo_data, remove_demo_data
from analytics.events import CARD_CLICK
from analytics.filters import Filters
from analytics.report import build_report
from analytics.settings import AnalyticsSettings
from analytics.sql import CONVERSATION, CUSTOMER, ORDER, ORDER_ITEM, TURN
from tests.analytics.builder import ShopBuilder, at

SPEC = DemoSpec(end=date(2026, 3, 31), days=60, customers=40, visitors=15,
                conversations=240, orders=200, seed=11)  # fmt: skip


def fingerprint(db: Engine) -> str:
    """Every demo row, with customers named by e-mail (ids come from the database's sequence)."""
    digest = hashlib.sha256()
    email = CUSTOMER.c.email
    with db.connect() as conn:
        for table, key in ((CONVERSATION, CONVERSATION.c.id), (ORDER, ORDER.c.order_id)):
            cols = [c for c in table.c if c.name != "customer_id"]
            query = (
                select(*cols, email)
                .select_from(table.outerjoin(CUSTOMER, CUSTOMER.c.id == table.c.customer_id))
                .order_by(key)
            )
            for row in conn.execute(query):
                digest.update(repr(tuple(row)).encode())
        for row in conn.execute(select(TURN).order_by(TURN.c.id)):
            digest.update(repr(tuple(row)).encode())
    return digest.hexdigest()


def count(db: Engine, table: object) -> int:
    with db.connect() as conn:
        return int(conn.scalar(select(func.count()).select_from(table)) or 0)  # type: ignore[arg-type]


def test_same_spec_same_data_and_marked_as_demo(db: Engine) -> None:
    summary = generate_demo_data(db, SPEC)
    assert summary.conversations == 240
    assert summary.turns == count(db, TURN) > 240
    first = fingerprint(db)
    generate_demo_data(db, SPEC)  # replaces the previous demo data
    assert fingerprint(db) == first
    assert count(db, CONVERSATION) == 240
    with db.connect() as conn:
        ids = list(conn.scalars(select(CONVERSATION.c.id)))
        emails = list(conn.scalars(select(CUSTOMER.c.email)))
        orders = list(conn.scalars(select(ORDER.c.order_id)))
    assert all(i.startswith("demo-") for i in ids + orders)
    assert all(e.endswith("@" + DEMO_EMAIL_DOMAIN) for e in emails)
    generate_demo_data(db, DemoSpec(**{**SPEC.__dict__, "seed": 12}))
    assert fingerprint(db) != first


def test_removal_leaves_the_shops_own_data(db: Engine) -> None:
    own = ShopBuilder()
    own.customer(9000, email="real@example.com")
    own.conversation("real-1", at(2), customer=9000)
    own.turn("real-1", at(2), "user", "hello")
    own.order("A-1", 9000, at(3), [("EA-1001", 1, 899.0)])
    own.write(db)
    generate_demo_data(db, SPEC)
    removed = remove_demo_data(db)
    assert removed.conversations == 240 and removed.customers == 40
    assert count(db, CONVERSATION) == 1 and count(db, TURN) == 1
    assert count(db, ORDER) == 1 and count(db, ORDER_ITEM) == 1 and count(db, CUSTOMER) == 1
    assert count(db, CARD_CLICK) == 0
    assert remove_demo_data(db).conversations == 0


def test_demo_data_fills_every_panel(db: Engine) -> None:
    generate_demo_data(db, SPEC)
    report = build_report(
        db, Filters(date(2026, 3, 2), date(2026, 3, 31)),
        AnalyticsSettings(timezone=SPEC.timezone), as_of=datetime(2026, 4, 1, tzinfo=UTC),
    )  # fmt: skip
    assert report.service.conversations > 50
    assert 0 < (report.service.automated_resolution.value or 0) < 1
    assert 0 < (report.service.handoff.value or 0) < 0.5
    assert report.service.csat_rated.numerator > 0
    assert report.knowledge_gaps and report.knowledge_gaps[0].count >= 2
    assert report.commerce.click_through.numerator > 0
    assert report.commerce.assisted_orders.numerator > 0
    assert report.rfm_migration.customers > 0
    assert report.loyalty.customers > 0
    assert {"web", "telegram"} <= {c for c in ("web", "telegram") if _has_channel(db, c)}


def _has_channel(db: Engine, channel: str) -> bool:
    with db.connect() as conn:
        return bool(conn.scalar(select(func.count()).where(CONVERSATION.c.channel == channel)))
