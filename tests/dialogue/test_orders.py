from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlmodel import Session

from catalog.models import Order
from dialogue.orders import OrderDesk
from tests.support.databases import engine_for
from tests.support.orders import seed_two_customers


@pytest.fixture(params=["sqlite", "postgres"])
def desk(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[OrderDesk]:
    for engine in engine_for(request.param, tmp_path):
        _seed(engine)
        yield OrderDesk(engine)


def _seed(engine: Engine) -> None:
    seed_two_customers(engine, telegram_id=42)
    with Session(engine) as session:
        session.add(Order(order_id="A-1002", customer_id=1, status="paid", total=59.0,
                          currency="CNY", created_at=datetime(2026, 11, 9, tzinfo=UTC)))
        session.commit()


def test_the_owner_sees_status_and_tracking(desk: OrderDesk) -> None:
    result = desk.lookup("A-1001", customer_id=1)
    assert result.outcome == "found" and result.order is not None
    assert (result.order.status, result.order.carrier, result.order.tracking_number) == (
        "shipped",
        "SF",
        "SF123",
    )
    assert [line.sku for line in result.order.items] == ["EA-1001"]


def test_order_id_plus_email_verifies_case_insensitively(desk: OrderDesk) -> None:
    assert desk.lookup("a-1001", email=" Li.Wei@Example.com").outcome == "found"


def test_without_an_id_the_latest_order_of_the_customer(desk: OrderDesk) -> None:
    result = desk.lookup(None, customer_id=1)
    assert result.order is not None and result.order.order_id == "A-1002"
    assert desk.lookup(None).outcome == "need_identity"


@pytest.mark.parametrize(
    ("order_id", "identity"),
    [
        ("A-2001", {"customer_id": 1}),
        ("A-2001", {"email": "li.wei@example.com"}),
        ("A-9999", {"customer_id": 1}),
    ],
)
def test_another_customers_order_looks_exactly_like_a_missing_one(
    desk: OrderDesk, order_id: str, identity: dict[str, object]
) -> None:
    result = desk.lookup(order_id, **identity)  # type: ignore[arg-type]
    assert result.outcome == "not_found" and result.order is None


def test_an_anonymous_shopper_is_asked_to_identify(desk: OrderDesk) -> None:
    assert desk.lookup("A-2001").outcome == "need_identity"
    assert desk.lookup("A-9999").outcome == "need_identity"


def test_linking_a_telegram_account_needs_the_matching_email(desk: OrderDesk) -> None:
    assert desk.link_telegram("A-2001", "wrong@example.com", 77) is None
    assert desk.link_telegram("A-2001", "anna@example.com", 77) == 2
    assert desk.customer_for_telegram(77) == 2
    assert desk.customer_for_telegram(78) is None
