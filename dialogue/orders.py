"""Order status, delivery and refunds, told only to the verified owner of the order.

A shopper is verified either by identity the channel vouches for (a linked
Telegram account, a signed widget identity) or by giving the order id together
with the email on the order. An order that exists but belongs to someone else
gets exactly the same reply as one that does not exist, so the desk cannot be
used to probe other customers' orders.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from catalog.models import Customer, Order, OrderItem

LookupOutcome = Literal["found", "not_found", "need_identity"]


@dataclass(frozen=True)
class OrderLine:
    sku: str
    qty: int
    price: float


@dataclass(frozen=True)
class OrderView:
    order_id: str
    status: str
    created_at: datetime
    total: float
    currency: str
    items: tuple[OrderLine, ...]
    carrier: str = ""
    tracking_number: str = ""
    eta: str = ""


@dataclass(frozen=True)
class OrderLookup:
    outcome: LookupOutcome
    order: OrderView | None = None


class OrderDesk:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def lookup(
        self,
        order_id: str | None,
        *,
        customer_id: int | None = None,
        email: str | None = None,
    ) -> OrderLookup:
        """The order if the requester owns it; the latest order when no id is given."""
        with Session(self.engine) as session:
            if order_id is None:
                if customer_id is None:
                    return OrderLookup("need_identity")
                query = select(Order).where(Order.customer_id == customer_id)
                latest = session.exec(query.order_by(col(Order.created_at).desc())).first()
                return _found(session, latest) if latest else OrderLookup("not_found")
            order = session.get(Order, order_id.strip().upper()) or session.get(Order, order_id)
            if order is None:
                return (
                    OrderLookup("not_found")
                    if customer_id or email
                    else OrderLookup("need_identity")
                )
            if customer_id is not None and order.customer_id == customer_id:
                return _found(session, order)
            if email and _email_owns(session, order, email):
                return _found(session, order)
            if customer_id is None and not email:
                return OrderLookup("need_identity")
            return OrderLookup("not_found")

    def link_telegram(self, order_id: str, email: str, telegram_id: int) -> int | None:
        """Link a Telegram account to the customer who owns `order_id` and `email`."""
        with Session(self.engine) as session:
            order = session.get(Order, order_id.strip())
            if order is None or not _email_owns(session, order, email):
                return None
            customer = session.get(Customer, order.customer_id)
            if customer is None:
                return None
            customer.telegram_id = telegram_id
            session.add(customer)
            session.commit()
            return customer.id

    def customer_for_telegram(self, telegram_id: int) -> int | None:
        with Session(self.engine) as session:
            query = select(Customer.id).where(Customer.telegram_id == telegram_id)
            return session.exec(query).first()


def _email_owns(session: Session, order: Order, email: str) -> bool:
    customer = session.get(Customer, order.customer_id) if order.customer_id else None
    return bool(customer and customer.email and customer.email.lower() == email.strip().lower())


def _found(session: Session, order: Order) -> OrderLookup:
    items = session.exec(select(OrderItem).where(OrderItem.order_id == order.order_id)).all()
    tracking = order.tracking or {}
    view = OrderView(
        order_id=order.order_id,
        status=order.status,
        created_at=order.created_at,
        total=order.total,
        currency=order.currency,
        items=tuple(OrderLine(i.sku, i.qty, i.price) for i in items),
        carrier=str(tracking.get("carrier", "")),
        tracking_number=str(tracking.get("number", "")),
        eta=str(tracking.get("eta", "")),
    )
    return OrderLookup("found", view)
