"""Two customers and their orders, shared by the order tests of every channel."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Engine
from sqlmodel import Session

from catalog.models import Customer, Order, OrderItem


def seed_two_customers(engine: Engine, telegram_id: int | None = None) -> None:
    """Customer 1 (li.wei, optionally linked to `telegram_id`) owns A-1001, shipped with
    tracking; customer 2 (anna) owns A-2001, delivered."""
    with Session(engine) as session:
        session.add(Customer(id=1, email="li.wei@example.com", telegram_id=telegram_id))
        session.add(Customer(id=2, email="anna@example.com"))
        session.flush()
        session.add(
            Order(
                order_id="A-1001",
                customer_id=1,
                status="shipped",
                total=299.0,
                currency="CNY",
                created_at=datetime(2026, 11, 2, tzinfo=UTC),
                tracking={"carrier": "SF", "number": "SF123", "eta": "2026-11-05"},
            )
        )
        session.add(
            Order(
                order_id="A-2001",
                customer_id=2,
                status="delivered",
                total=459.0,
                currency="CNY",
                created_at=datetime(2026, 11, 3, tzinfo=UTC),
            )
        )
        session.flush()
        session.add(OrderItem(order_id="A-1001", sku="EA-1001", qty=1, price=299.0))
        session.commit()
