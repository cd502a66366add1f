"""Months of demo conversations and orders on the demo shop's products, and their removal.

Seeded and reproducible: the same spec (seed, end date, sizes) writes the same
rows. Everything written is marked as demo data so it can be told apart and
removed: conversation, turn and order ids start with "demo-", customers' e-mail
addresses end in "@demo.kefu.invalid" (a reserved, undeliverable domain).
Generating again first removes the previous demo data.
"""

from __future__ import annotations

import bisect
import itertools
import json
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, Engine, Table, delete, insert, select

from analytics import demo_texts as T
from analytics.demo_conversations import Contact, ConversationMaker, Product
from analytics.errors import AnalyticsError, translate_db_errors
from analytics.events import CARD_CLICK
from analytics.schema import init_analytics_schema
from analytics.sql import CONVERSATION, CUSTOMER, ORDER, ORDER_ITEM, TURN

DEMO_PREFIX = "demo-"
DEMO_EMAIL_DOMAIN = "demo.kefu.invalid"
# Local hour of day -> relative traffic: quiet nights, a lunch bump, a busy evening.
HOUR_WEIGHTS = (2, 1, 1, 1, 1, 1, 2, 3, 5, 7, 8, 8, 9, 8, 7, 7, 7, 8, 9, 11, 13, 14, 12, 6)

# Writes a batch of rows into a table (the benchmark swaps in a bulk loader).
Writer = Callable[[Connection, Table, list[dict[str, Any]]], None]


def insert_rows(conn: Connection, table: Table, rows: list[dict[str, Any]]) -> None:
    for chunk in _chunks(rows, 5000):
        conn.execute(insert(table), chunk)


@dataclass(frozen=True)
class DemoSpec:
    end: date  # the last local day with data
    days: int = 180
    customers: int = 400
    visitors: int = 250  # shoppers who chat without being known customers
    conversations: int = 3000
    orders: int = 2400  # about: assisted purchases come on top of the base orders
    extra_exchanges: float = 0.0  # mean additional question/answer pairs per conversation
    seed: int = 7
    timezone: str = "Asia/Shanghai"


@dataclass(frozen=True)
class DemoSummary:
    customers: int
    conversations: int
    turns: int
    orders: int
    order_items: int
    clicks: int


def load_products(path: Path | None = None) -> list[Product]:
    if path is None:
        from catalog.demo import PRODUCTS_FILE

        path = PRODUCTS_FILE
    products = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            p = json.loads(line)
            zh = (p.get("translations") or {}).get("zh", {}).get("title", "")
            products.append(
                Product(p["sku"], p["title"], zh, p.get("category", ""), float(p.get("price") or 0),
                        p.get("currency", "CNY"))
            )  # fmt: skip
    if not products:
        raise AnalyticsError(f"no products in {path}")
    return products


def generate_demo_data(
    engine: Engine,
    spec: DemoSpec,
    products: list[Product] | None = None,
    *,
    batch: int = 5000,
    writer: Writer = insert_rows,
) -> DemoSummary:
    """Replace any demo data with freshly generated rows for `spec`."""
    remove_demo_data(engine)
    init_analytics_schema(engine)
    rng = random.Random(spec.seed)
    catalog = products or load_products()
    clock = _Clock(spec, rng)
    with translate_db_errors(), engine.begin() as conn:
        ids = _insert_customers(conn, spec, rng)
        traits = [(rng.gammavariate(1.1, 1.0), rng.gammavariate(0.9, 1.0)) for _ in ids]
        base = _base_orders(spec, rng, clock, ids, [t[0] for t in traits])
        maker = ConversationMaker(rng, catalog, spec.extra_exchanges)
        contacts = _contacts(spec, rng, ids)
        chat_weights = [traits[i][1] for i in range(len(ids))] + [0.6] * spec.visitors
        extra: list[tuple[int, datetime, list[str]]] = []
        counts = {"conversations": 0, "turns": 0, "clicks": 0}
        conv_rows: list[dict[str, Any]] = []
        turn_rows: list[dict[str, Any]] = []
        click_rows: list[dict[str, Any]] = []
        pending: list[tuple[Contact, datetime, str]] = []
        for n in itertools.count():
            if counts["conversations"] >= spec.conversations:
                break
            if pending and (
                n % 2 == 0 or counts["conversations"] + len(pending) >= spec.conversations
            ):
                contact, start, intent = pending.pop()
            else:
                contact = rng.choices(contacts, chat_weights)[0]
                start, intent = clock.moment(), maker.pick_intent()
            last = _last_order(base, contact.customer_id, start)
            cid = f"{DEMO_PREFIX}c-{counts['conversations'] + 1:07d}"
            built = maker.make(cid, contact, start, intent, last)
            conv_rows.append(built.conversation)
            turn_rows += built.turns
            click_rows += built.clicks
            extra += built.orders
            counts["conversations"] += 1
            counts["turns"] += len(built.turns)
            counts["clicks"] += len(built.clicks)
            if intent in ("track_order", "get_refund", "gap") and rng.random() < 0.12:
                again = start + timedelta(hours=rng.uniform(6, 24 * 9))
                if again < clock.end:
                    pending.append((contact, again, intent))
            if len(turn_rows) >= batch:
                _flush(conn, writer, conv_rows, turn_rows, click_rows)
        _flush(conn, writer, conv_rows, turn_rows, click_rows)
        n_orders, n_items = _insert_orders(
            conn, writer, rng, catalog, base, extra, clock.end, batch
        )
    return DemoSummary(len(ids), counts["conversations"], counts["turns"], n_orders, n_items,
                       counts["clicks"])  # fmt: skip


def remove_demo_data(engine: Engine) -> DemoSummary:
    """Delete every demo row; returns how many of each were deleted."""
    like = f"{DEMO_PREFIX}%"
    demo_customers = select(CUSTOMER.c.id).where(CUSTOMER.c.email.like(f"%@{DEMO_EMAIL_DOMAIN}"))
    init_analytics_schema(engine)
    with translate_db_errors(), engine.begin() as conn:
        demo_orders = select(ORDER.c.order_id).where(
            ORDER.c.order_id.like(like) | ORDER.c.customer_id.in_(demo_customers)
        )
        clicks = conn.execute(delete(CARD_CLICK).where(CARD_CLICK.c.conversation_id.like(like)))
        turns = conn.execute(delete(TURN).where(TURN.c.conversation_id.like(like)))
        convs = conn.execute(delete(CONVERSATION).where(CONVERSATION.c.id.like(like)))
        items = conn.execute(delete(ORDER_ITEM).where(ORDER_ITEM.c.order_id.in_(demo_orders)))
        orders = conn.execute(delete(ORDER).where(ORDER.c.order_id.in_(demo_orders)))
        customers = conn.execute(delete(CUSTOMER).where(CUSTOMER.c.id.in_(demo_customers)))
    return DemoSummary(customers.rowcount, convs.rowcount, turns.rowcount, orders.rowcount,
                       items.rowcount, clicks.rowcount)  # fmt: skip


class _Clock:
    """Random instants in the spec's period: more traffic later, at weekends, in the evening."""

    def __init__(self, spec: DemoSpec, rng: random.Random) -> None:
        self.rng = rng
        self.zone = ZoneInfo(spec.timezone)
        self.first = spec.end - timedelta(days=spec.days - 1)
        self.end = datetime.combine(spec.end + timedelta(days=1), time(0), self.zone).astimezone(
            UTC
        )
        weights = []
        for d in range(spec.days):
            day = self.first + timedelta(days=d)
            weights.append((1 + 0.8 * d / spec.days) * (1.25 if day.weekday() >= 5 else 1.0))
        self.day_cum = list(itertools.accumulate(weights))
        self.hour_cum = list(itertools.accumulate(HOUR_WEIGHTS))

    def moment(self) -> datetime:
        rng = self.rng
        d = bisect.bisect(self.day_cum, rng.random() * self.day_cum[-1])
        h = bisect.bisect(self.hour_cum, rng.random() * self.hour_cum[-1])
        local = datetime.combine(self.first + timedelta(days=d), time(h), self.zone)
        return (local + timedelta(seconds=rng.uniform(0, 3600))).astimezone(UTC)


def _insert_customers(conn: Connection, spec: DemoSpec, rng: random.Random) -> list[int]:
    rows = [
        {
            "email": f"{DEMO_PREFIX}{i:06d}@{DEMO_EMAIL_DOMAIN}",
            "telegram_id": None,
            "name": f"{rng.choice(T.FAMILY)} {rng.choice(T.GIVEN)}",
            # signed up before the period (up to a year and a half before it)
            "created_at": datetime.combine(
                spec.end - timedelta(days=spec.days + rng.randint(1, 540)), time(12), UTC
            ),
        }
        for i in range(spec.customers)
    ]
    ids: list[int] = []
    for chunk in _chunks(rows, 5000):
        result = conn.execute(
            insert(CUSTOMER).returning(CUSTOMER.c.id, sort_by_parameter_order=True), chunk
        )
        ids += [int(r[0]) for r in result]
    return ids


def _base_orders(
    spec: DemoSpec, rng: random.Random, clock: _Clock, ids: list[int], rates: list[float]
) -> dict[int, list[tuple[datetime, str]]]:
    """Orders that happen whatever the chats: customer id -> sorted [(when, order id)]."""
    n = max(0, int(spec.orders * 0.99))
    who = rng.choices(ids, rates, k=n) if ids else []
    by_customer: dict[int, list[tuple[datetime, str]]] = {}
    for i, cid in enumerate(who):
        by_customer.setdefault(cid, []).append((clock.moment(), f"{DEMO_PREFIX}o-{i + 1:08d}"))
    for orders in by_customer.values():
        orders.sort()
    return by_customer


def _contacts(spec: DemoSpec, rng: random.Random, ids: list[int]) -> list[Contact]:
    def person(customer: int | None, user: str) -> Contact:
        return Contact(
            customer, user, "telegram" if rng.random() < 0.35 else "web",
            "zh" if rng.random() < 0.65 else "en",
        )  # fmt: skip

    known = [person(cid, f"{DEMO_PREFIX}u-{i}") for i, cid in enumerate(ids)]
    return known + [person(None, f"{DEMO_PREFIX}v-{i}") for i in range(spec.visitors)]


def _last_order(
    base: dict[int, list[tuple[datetime, str]]], customer: int | None, before: datetime
) -> str | None:
    orders = base.get(customer, []) if customer is not None else []
    i = bisect.bisect_left(orders, (before, ""))
    return orders[i - 1][1] if i else None


def _insert_orders(
    conn: Connection,
    writer: Writer,
    rng: random.Random,
    catalog: list[Product],
    base: dict[int, list[tuple[datetime, str]]],
    extra: list[tuple[int, datetime, list[str]]],
    end: datetime,
    batch: int,
) -> tuple[int, int]:
    by_sku = {p.sku: p for p in catalog}
    plan: list[tuple[int, datetime, str, list[str]]] = [
        (cid, when, oid, []) for cid, orders in sorted(base.items()) for when, oid in orders
    ]
    plan += [
        (cid, when, f"{DEMO_PREFIX}a-{i + 1:08d}", skus)
        for i, (cid, when, skus) in enumerate(extra)
        if when < end
    ]
    orders: list[dict[str, Any]] = []
    items: list[dict[str, Any]] = []
    n_orders = n_items = 0
    for cid, when, oid, skus in plan:
        chosen = [by_sku[s] for s in skus] or rng.sample(catalog, rng.choice((1, 1, 1, 2, 2, 3)))
        lines = [(p, 1 if rng.random() < 0.8 else 2) for p in chosen]
        orders.append({
            "order_id": oid, "customer_id": cid,
            "status": "delivered" if when < end - timedelta(days=5) else "shipped",
            "created_at": when, "currency": lines[0][0].currency,
            "total": round(sum(p.price * q for p, q in lines), 2),
            "tracking": {}, "content_hash": "", "updated_at": when,
        })  # fmt: skip
        items += [{"order_id": oid, "sku": p.sku, "qty": q, "price": p.price} for p, q in lines]
        if len(orders) >= batch:
            n_orders, n_items = n_orders + len(orders), n_items + len(items)
            _write(conn, writer, ORDER, orders)
            _write(conn, writer, ORDER_ITEM, items)
    n_orders, n_items = n_orders + len(orders), n_items + len(items)
    _write(conn, writer, ORDER, orders)
    _write(conn, writer, ORDER_ITEM, items)
    return n_orders, n_items


def _flush(
    conn: Connection,
    writer: Writer,
    conversations: list[dict[str, Any]],
    turns: list[dict[str, Any]],
    clicks: list[dict[str, Any]],
) -> None:
    # Conversations first: turns refer to them.
    _write(conn, writer, CONVERSATION, conversations)
    _write(conn, writer, TURN, turns)
    _write(conn, writer, CARD_CLICK, clicks)


def _write(conn: Connection, writer: Writer, table: Table, rows: list[dict[str, Any]]) -> None:
    """Write `rows` and empty the list (the caller reuses it as its buffer)."""
    if rows:
        writer(conn, table, rows)
    rows.clear()


def _chunks(rows: list[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    for i in range(0, len(rows), size):
        yield rows[i : i + size]
