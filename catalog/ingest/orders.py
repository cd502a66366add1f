"""`kefu ingest orders FILE`: upsert orders, their items and their customers."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from sqlalchemy import ColumnElement, Engine
from sqlmodel import Session, col, delete, select

from catalog.db import session_scope
from catalog.errors import IngestError
from catalog.ingest.fields import BadValue
from catalog.ingest.order_record import (
    JSON_COLUMNS,
    KNOWN_STATUSES,
    REQUIRED_COLUMNS,
    CustomerRef,
    OrderRecord,
    parse_order,
)
from catalog.ingest.records import read_records
from catalog.ingest.report import IngestReport, ReportBuilder
from catalog.models import Customer, Order, OrderItem, utcnow


def ingest_orders(engine: Engine, path: Path | str, *, strict: bool = False) -> IngestReport:
    """Load an orders file in one transaction; customers are matched by email or telegram_id."""
    path = Path(path)
    report = ReportBuilder(kind="orders", source=str(path))
    statuses: Counter[str] = Counter()
    with session_scope(engine) as session:
        customers = _Customers(session)
        seen: dict[str, int] = {}
        records = 0
        for raw in read_records(path, json_columns=JSON_COLUMNS, required_columns=REQUIRED_COLUMNS):
            records += 1
            if raw.data is None:
                report.reject(raw.line, raw.error)
                continue
            try:
                record = parse_order(raw.data)
            except BadValue as exc:
                report.reject(raw.line, str(exc))
                continue
            if record.order_id in seen:
                first = seen[record.order_id]
                reason = f"duplicate order_id {record.order_id}, first seen on line {first}"
                report.reject(raw.line, reason)
                continue
            seen[record.order_id] = raw.line
            try:
                _upsert(session, record, customers, report)
            except BadValue as exc:
                report.reject(raw.line, f"order {record.order_id}: {exc}")
                continue
            if record.status and record.status not in KNOWN_STATUSES:
                statuses[record.status] += 1
        if records == 0:
            raise IngestError(f"{path}: the file holds no records; nothing changed.")
        report.raise_if_strict(strict)
    if customers.added:
        report.notes.append(f"{customers.added} new customer(s)")
    if statuses:
        listed = ", ".join(f"{status} ({n})" for status, n in statuses.most_common())
        report.notes.append(f"statuses kefu does not know, stored as given: {listed}")
    return report.build()


def _upsert(
    session: Session, record: OrderRecord, customers: _Customers, report: ReportBuilder
) -> None:
    digest = record.content_hash()
    order = session.get(Order, record.order_id)
    if order is not None and order.content_hash == digest:
        report.unchanged += 1
        return
    # Resolving may refuse (a conflicting customer) before anything of this order is written.
    customer = customers.resolve(record.customer) if record.customer else None
    if order is None:
        order = Order(order_id=record.order_id)
        session.add(order)
        report.added += 1
    else:
        session.exec(delete(OrderItem).where(col(OrderItem.order_id) == record.order_id))
        report.updated += 1
    order.customer_id = customer.id if customer else None
    order.status = record.status
    order.created_at = record.created_at
    order.currency = record.currency
    order.total = record.total
    order.tracking = record.tracking
    order.content_hash = digest
    order.updated_at = utcnow()
    session.flush()  # the order row before the items that point at it
    session.add_all(
        OrderItem(order_id=record.order_id, sku=item.sku, qty=item.qty, price=item.price)
        for item in record.items
    )
    report.changed.add(record.order_id)


class _Customers:
    """Find or create the customer of an order; one person is one row."""

    def __init__(self, session: Session) -> None:
        self._session = session
        self.added = 0

    def resolve(self, ref: CustomerRef) -> Customer:
        by_email = self._find(col(Customer.email) == ref.email) if ref.email else None
        by_telegram = (
            self._find(col(Customer.telegram_id) == ref.telegram_id) if ref.telegram_id else None
        )
        if by_email and by_telegram and by_email.id != by_telegram.id:
            raise BadValue(
                f"email {ref.email} and telegram_id {ref.telegram_id} belong to two different "
                "customers"
            )
        customer = by_email or by_telegram
        if customer is None:
            customer = Customer(email=ref.email, telegram_id=ref.telegram_id, name=ref.name)
            self._session.add(customer)
            self._session.flush()
            self.added += 1
            return customer
        # Never re-point an identity: orders are shown only to their verified owner.
        if ref.email and customer.email not in (None, ref.email):
            raise BadValue(f"telegram_id {ref.telegram_id} belongs to another email address")
        if ref.telegram_id and customer.telegram_id not in (None, ref.telegram_id):
            raise BadValue(f"email {ref.email} belongs to another telegram_id")
        customer.email = customer.email or ref.email
        customer.telegram_id = customer.telegram_id or ref.telegram_id
        if ref.name:
            customer.name = ref.name
        return customer

    def _find(self, condition: ColumnElement[bool]) -> Customer | None:
        return self._session.exec(select(Customer).where(condition)).first()
