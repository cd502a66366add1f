"""`ingest_orders`: orders with items, customers matched by email or Telegram id."""

from __future__ import annotations

import csv
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from catalog.errors import IngestError
from catalog.ingest import RejectedFile, ingest_orders
from catalog.models import Customer, Order, OrderItem
from tests.catalog.conftest import write_jsonl

A1001: dict[str, Any] = {
    "order_id": "A-1001",
    "customer": {"email": "Li@Example.com", "telegram_id": 42},
    "status": "shipped",
    "created_at": "2026-11-02T10:00:00Z",
    "items": [
        {"sku": "B00545ATZW", "qty": 2, "price": 39.99},
        {"sku": "zh-3f2a", "qty": 1, "price": 168},
    ],
    "tracking": {"carrier": "SF", "number": "SF123", "eta": "2026-11-05"},
}
A1002: dict[str, Any] = {
    "order_id": "A-1002",
    "customer": {"telegram_id": 42},
    "status": "delivered",
    "created_at": "2026-11-03T09:30:00+08:00",
    "items": [{"sku": "K-1", "qty": 1, "price": 25}],
}
A1003: dict[str, Any] = {
    "order_id": "A-1003",
    "customer": {"email": "wang@example.com"},
    "status": "on_hold",
    "created_at": "2026-11-04T00:00:00Z",
    "items": [{"sku": "K-1", "price": 25}],
}


def orders(engine: Engine) -> dict[str, tuple[Any, ...]]:
    with Session(engine) as session:
        customers = {c.id: (c.email, c.telegram_id) for c in session.exec(select(Customer))}
        result: dict[str, tuple[Any, ...]] = {}
        for order in session.exec(select(Order)):
            items = session.exec(
                select(OrderItem)
                .where(OrderItem.order_id == order.order_id)
                .order_by(col(OrderItem.id))
            )
            result[order.order_id] = (
                customers.get(order.customer_id),
                order.status,
                order.created_at,
                order.total,
                [(i.sku, i.qty, i.price) for i in items],
                order.tracking,
            )
        return result


def customer_count(engine: Engine) -> int:
    with Session(engine) as session:
        return len(session.exec(select(Customer)).all())


def test_orders_load_with_their_customers(engine: Engine, tmp_path: Path) -> None:
    report = ingest_orders(engine, write_jsonl(tmp_path / "o.jsonl", [A1001, A1002, A1003]))
    assert (report.added, report.rejected) == (3, 0)
    assert report.changed_order_ids == {"A-1001", "A-1002", "A-1003"}
    stored = orders(engine)
    assert stored["A-1001"] == (
        ("li@example.com", 42),
        "shipped",
        datetime(2026, 11, 2, 10, 0, tzinfo=UTC),
        247.98,
        [("B00545ATZW", 2, 39.99), ("zh-3f2a", 1, 168.0)],
        {"carrier": "SF", "number": "SF123", "eta": "2026-11-05"},
    )
    # Same Telegram id: same customer, found without the email.
    assert stored["A-1002"][0] == ("li@example.com", 42)
    assert stored["A-1002"][2] == datetime(2026, 11, 3, 1, 30, tzinfo=UTC)
    assert stored["A-1003"][1:5] == (
        "on_hold",
        datetime(2026, 11, 4, tzinfo=UTC),
        25.0,
        [("K-1", 1, 25.0)],
    )
    assert customer_count(engine) == 2
    assert any("on_hold" in note for note in report.notes)


def test_reingest_is_a_no_op_and_updates_replace_items(engine: Engine, tmp_path: Path) -> None:
    ingest_orders(engine, write_jsonl(tmp_path / "v1.jsonl", [A1001, A1002]))
    again = ingest_orders(engine, write_jsonl(tmp_path / "v1.jsonl", [A1001, A1002]))
    assert (again.added, again.updated, again.unchanged) == (0, 0, 2)

    delivered = {
        **A1001,
        "status": "Delivered",
        "items": [{"sku": "B00545ATZW", "qty": 1, "price": 39.99}],
    }
    report = ingest_orders(engine, write_jsonl(tmp_path / "v2.jsonl", [delivered]))
    assert (report.updated, report.changed_order_ids) == (1, {"A-1001"})
    stored = orders(engine)["A-1001"]
    assert stored[1] == "delivered"
    assert stored[3] == 39.99
    assert stored[4] == [("B00545ATZW", 1, 39.99)]


def test_a_telegram_only_customer_gains_an_email(engine: Engine, tmp_path: Path) -> None:
    ingest_orders(engine, write_jsonl(tmp_path / "v1.jsonl", [A1002]))
    ingest_orders(engine, write_jsonl(tmp_path / "v2.jsonl", [A1001]))
    assert customer_count(engine) == 1
    assert orders(engine)["A-1002"][0] == ("li@example.com", 42)


def test_conflicting_customer_identity_is_rejected(engine: Engine, tmp_path: Path) -> None:
    ingest_orders(engine, write_jsonl(tmp_path / "v1.jsonl", [A1001, A1003]))
    hijack = {
        **A1003,
        "order_id": "A-2000",
        "customer": {"email": "wang@example.com", "telegram_id": 42},
    }
    other_tg = {
        **A1003,
        "order_id": "A-2001",
        "customer": {"email": "li@example.com", "telegram_id": 7},
    }
    report = ingest_orders(engine, write_jsonl(tmp_path / "v2.jsonl", [hijack, other_tg]))
    assert [(e.line, e.reason) for e in report.errors] == [
        (
            1,
            "order A-2000: email wang@example.com and telegram_id 42 belong to two "
            "different customers",
        ),
        (2, "order A-2001: email li@example.com belongs to another telegram_id"),
    ]
    assert set(orders(engine)) == {"A-1001", "A-1003"}
    assert customer_count(engine) == 2


BAD_ORDERS = [
    ({**A1001, "order_id": ""}, "missing order_id"),
    ({**A1001, "created_at": "yesterday"}, "created_at must be an ISO-8601 time"),
    ({k: v for k, v in A1001.items() if k != "created_at"}, "missing created_at"),
    ({**A1001, "items": {"sku": "X"}}, "items must be a list"),
    ({**A1001, "items": [{"sku": "X", "qty": 0, "price": 1}]}, "items[0]: qty must be >= 1"),
    ({**A1001, "items": [{"sku": "X", "qty": 1}]}, "items[0]: missing price"),
    ({**A1001, "items": [{"qty": 1, "price": 2}]}, "items[0]: missing sku"),
    ({**A1001, "customer": {"name": "Li"}}, "customer needs an email or a telegram_id"),
    ({**A1001, "customer": {"email": "not-an-email"}}, "is not an email address"),
    ({**A1001, "customer": {"telegram_id": -5}}, "telegram_id must be a positive integer"),
    ({**A1001, "tracking": "SF123"}, "tracking must be an object"),
    ("{not json", "malformed JSON"),
]


@pytest.mark.parametrize(("bad", "reason"), BAD_ORDERS)
def test_bad_order_lines_are_reported(
    engine: Engine, tmp_path: Path, bad: Any, reason: str
) -> None:
    report = ingest_orders(engine, write_jsonl(tmp_path / "o.jsonl", [A1002, bad, A1003]))
    assert report.added == 2
    [error] = report.errors
    assert error.line == 2 and reason in error.reason


def test_duplicate_order_id_keeps_the_first(engine: Engine, tmp_path: Path) -> None:
    report = ingest_orders(
        engine, write_jsonl(tmp_path / "o.jsonl", [A1001, {**A1001, "status": "x"}])
    )
    assert [(e.line, e.reason) for e in report.errors] == [
        (2, "duplicate order_id A-1001, first seen on line 1")
    ]
    assert orders(engine)["A-1001"][1] == "shipped"


def test_guest_order_has_no_customer(engine: Engine, tmp_path: Path) -> None:
    guest = {k: v for k, v in A1003.items() if k != "customer"}
    ingest_orders(engine, write_jsonl(tmp_path / "o.jsonl", [guest]))
    assert orders(engine)["A-1003"][0] is None


def test_strict_orders_store_nothing(engine: Engine, tmp_path: Path) -> None:
    with pytest.raises(RejectedFile):
        ingest_orders(engine, write_jsonl(tmp_path / "o.jsonl", [A1001, "{bad"]), strict=True)
    assert orders(engine) == {}
    assert customer_count(engine) == 0


def test_empty_orders_file_is_refused(engine: Engine, tmp_path: Path) -> None:
    path = tmp_path / "o.jsonl"
    path.write_text("", encoding="utf-8")
    with pytest.raises(IngestError, match="no records"):
        ingest_orders(engine, path)


def test_orders_from_csv(engine: Engine, tmp_path: Path) -> None:
    path = tmp_path / "orders.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["order_id", "customer", "status", "created_at", "items", "tracking"])
        writer.writerow(
            [
                "A-1001",
                json.dumps(A1001["customer"]),
                "shipped",
                A1001["created_at"],
                json.dumps(A1001["items"]),
                "",
            ]
        )
        writer.writerow(["A-1004", "", "paid", "2026-11-06T08:00:00Z", "[not json", ""])
    report = ingest_orders(engine, path)
    assert report.added == 1
    assert [(e.line, e.reason.split(":")[0]) for e in report.errors] == [
        (3, "column items is not valid JSON")
    ]
    assert orders(engine)["A-1001"][3] == 247.98
