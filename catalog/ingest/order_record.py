"""One orders-file line, validated and normalised (DATA_FORMATS.md, "Orders")."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from catalog.ingest import fields
from catalog.ingest.fields import INT64_MAX, BadValue

JSON_COLUMNS = frozenset({"customer", "items", "tracking"})
REQUIRED_COLUMNS = ("order_id",)
ORDER_ID_MAX = 128
EMAIL_MAX = 320
# Statuses the assistant explains; others are stored as given and noted in the report.
KNOWN_STATUSES = frozenset(
    {
        "pending", "paid", "processing", "shipped", "in_transit", "delivered",
        "cancelled", "canceled", "refunded", "returned", "completed",
    }
)  # fmt: skip


@dataclass(frozen=True)
class CustomerRef:
    email: str | None
    telegram_id: int | None
    name: str

    @property
    def label(self) -> str:
        return self.email or f"telegram {self.telegram_id}"


@dataclass(frozen=True)
class ItemRecord:
    sku: str
    qty: int
    price: float


@dataclass(frozen=True)
class OrderRecord:
    order_id: str
    customer: CustomerRef | None
    status: str
    created_at: datetime
    currency: str
    items: tuple[ItemRecord, ...]
    tracking: dict[str, Any]

    @property
    def total(self) -> float:
        return round(sum(item.qty * item.price for item in self.items), 2)

    def content_hash(self) -> str:
        encoded = json.dumps(asdict(self), sort_keys=True, ensure_ascii=False, default=str)
        return hashlib.sha256(encoded.encode("utf-8")).hexdigest()


def parse_order(data: dict[str, Any]) -> OrderRecord:
    """Validate one record; raises BadValue naming the first problem."""
    order_id = fields.identifier(data, "order_id", max_len=ORDER_ID_MAX)
    if not isinstance(data.get("items"), list):
        raise BadValue("items must be a list of {sku, qty, price} objects")
    return OrderRecord(
        order_id=order_id,
        customer=_customer(data.get("customer")),
        status=fields.text(data, "status", max_len=64).lower(),
        created_at=fields.timestamp(data, "created_at"),
        currency=fields.text(data, "currency", max_len=16),
        items=tuple(_item(item, index) for index, item in enumerate(data["items"])),
        tracking={k: v for k, v in fields.obj(data, "tracking").items() if v is not None},
    )


def _customer(value: Any) -> CustomerRef | None:
    if value is None:
        return None  # a guest order: counted in analytics, never shown to anyone
    if not isinstance(value, dict):
        raise BadValue("customer must be an object with email and/or telegram_id")
    email = fields.text(value, "email", max_len=EMAIL_MAX).lower()
    if email and "@" not in email:
        raise BadValue(f"customer.email {email!r} is not an email address")
    telegram_id = _telegram_id(value)
    if not email and telegram_id is None:
        raise BadValue("customer needs an email or a telegram_id")
    return CustomerRef(email or None, telegram_id, fields.text(value, "name", max_len=256))


def _telegram_id(customer: dict[str, Any]) -> int | None:
    value = customer.get("telegram_id")
    if value is None or value == "":
        return None
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= INT64_MAX:
        raise BadValue(f"customer.telegram_id must be a positive integer, got {value!r}")
    return value


def _item(item: Any, index: int) -> ItemRecord:
    if not isinstance(item, dict):
        raise BadValue(f"items[{index}] must be an object with sku, qty and price")
    try:
        sku = fields.identifier(item, "sku", max_len=128)
        qty = fields.count(item, "qty", minimum=1)
        price = fields.number(item, "price")
    except BadValue as exc:
        raise BadValue(f"items[{index}]: {exc}") from None
    if price is None:
        raise BadValue(f"items[{index}]: missing price")
    return ItemRecord(sku=sku, qty=1 if qty is None else qty, price=price)
