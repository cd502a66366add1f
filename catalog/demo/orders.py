"""Demo orders: a few months of purchases by a handful of returning customers.

Generated from a fixed seed so the file is reproducible. Statuses follow the
order's age (recent orders are still pending or in transit, older ones are
delivered, returned or refunded) and tracking exists once a parcel has left.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from catalog.demo.spec import Item

# The demo's "today": every order falls in the three months before it.
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
SPAN_DAYS = 90
ORDER_COUNT = 40
SEED = 20261120

CARRIERS = ("SF", "JD", "YTO")
# ages in days of the newest orders, so every open status is represented
RECENT_AGES = (0.1, 0.2, 0.6, 0.9, 1.5, 2.4, 4.0, 5.2)


@dataclass(frozen=True)
class Customer:
    email: str
    telegram_id: int | None
    # top-level categories this customer keeps coming back to
    likes: tuple[str, ...]
    weight: int  # relative number of orders, so a few customers are regulars


CUSTOMERS: tuple[Customer, ...] = (
    Customer("li.wei@example.com", 58213377, ("Electronics", "Food"), 6),
    Customer("wang.fang@example.com", None, ("Beauty",), 5),
    Customer("zhang.min@example.com", 70144982, ("Home", "Food"), 4),
    Customer("chen.jing@example.com", None, ("Apparel", "Beauty"), 4),
    Customer("liu.yang@example.com", 61830054, ("Sports & Outdoors",), 3),
    Customer("zhao.lei@example.com", None, ("Electronics",), 3),
    Customer("huang.xin@example.com", 73309921, ("Food",), 3),
    Customer("emma.clarke@example.com", 55120876, ("Apparel", "Home"), 2),
    Customer("sun.hao@example.com", None, ("Sports & Outdoors", "Electronics"), 2),
    Customer("zhou.ting@example.com", None, ("Beauty", "Apparel"), 2),
    Customer("wu.jun@example.com", 66475310, ("Home",), 2),
    Customer("daniel.ortiz@example.com", None, ("Electronics", "Sports & Outdoors"), 1),
    Customer("xu.lan@example.com", None, ("Food", "Home"), 1),
    Customer("ma.rui@example.com", 79002264, ("Apparel",), 1),
    Customer("guo.qian@example.com", None, ("Beauty", "Food"), 1),
)


def _top(item_category: str) -> str:
    return item_category.split(" / ")[0]


# outcomes of the orders older than RECENT_AGES, shuffled over them
SETTLED = ("cancelled",) * 3 + ("returned",) * 3 + ("refunded",) * 2
RETURNED = ("returned", "refunded")  # the parcel came back; food and beauty are excluded


def _open_status(age_days: float) -> str:
    """Status of one of the newest orders, placed `age_days` ago."""
    if age_days < 0.25:
        return "pending"  # awaiting payment; unpaid orders are cancelled after 24 hours
    if age_days < 1:
        return "paid"
    return "shipped" if age_days < 4 else "delivered"


def _tracking(rng: random.Random, created: datetime, status: str) -> dict[str, str] | None:
    if status not in ("shipped", "delivered", *RETURNED):
        return None
    carrier = rng.choice(CARRIERS)
    digits = "".join(rng.choice("0123456789") for _ in range(12))
    prefix = {"SF": "SF1", "JD": "JDV", "YTO": "YT7"}[carrier]
    # SF is the express option (next day in listed cities); the others take 2-4 days
    days = 1 if carrier == "SF" else rng.randint(2, 4)
    if status == "shipped":  # still in transit, so not due before today
        days = max(days, (NOW.date() - created.date()).days)
    return {
        "carrier": carrier,
        "number": prefix + digits,
        "eta": (created + timedelta(days=days)).date().isoformat(),
    }


def build_orders(products: list[tuple[Item, str]]) -> list[dict[str, Any]]:
    """`products` are (item, category) pairs; returns order lines, oldest first."""
    rng = random.Random(SEED)
    by_top: dict[str, list[Item]] = {}
    for item, category in products:
        by_top.setdefault(_top(category), []).append(item)
    category_of = {item.sku: category for item, category in products}

    # most orders are weeks old; the newest few are still moving through the pipeline
    ages = [rng.uniform(6, SPAN_DAYS) for _ in range(ORDER_COUNT - len(RECENT_AGES))]
    ages += [age + rng.uniform(-0.05, 0.05) for age in RECENT_AGES]
    times = sorted(NOW - timedelta(days=age) for age in ages)
    # every customer orders `weight` times (weights sum to ORDER_COUNT), in shuffled order
    sequence = [c for c in CUSTOMERS for _ in range(c.weight)]
    if len(sequence) != ORDER_COUNT:
        raise ValueError("customer weights must sum to ORDER_COUNT")
    rng.shuffle(sequence)
    older = ORDER_COUNT - len(RECENT_AGES)
    settled = [*SETTLED, *("delivered",) * (older - len(SETTLED))]
    rng.shuffle(settled)
    orders: list[dict[str, Any]] = []
    for index, created in enumerate(times):
        customer = sequence[index]
        age_days = (NOW - created).total_seconds() / 86400
        status = settled[index] if index < older else _open_status(age_days)
        recent = status in ("pending", "paid", "shipped")
        items: list[dict[str, Any]] = []
        for _ in range(rng.choices((1, 2, 3), weights=(6, 3, 1))[0]):
            top = rng.choice(customer.likes) if rng.random() < 0.8 else rng.choice(list(by_top))
            pool = by_top[top]
            # an order still open can only hold what is in stock today
            if recent:
                pool = [p for p in pool if p.stock > 0]
            # food and opened cosmetics are not returnable, so returns hold other goods
            if status in RETURNED:
                pool = [p for p in pool if _top(category_of[p.sku]) not in ("Food", "Beauty")]
                pool = pool or by_top["Electronics"]
            choice = rng.choice(pool)
            if any(line["sku"] == choice.sku for line in items):
                continue
            qty = rng.choice((1, 1, 1, 2, 3)) if top == "Food" else rng.choice((1, 1, 1, 2))
            items.append({"sku": choice.sku, "qty": qty, "price": float(choice.price)})
        customer_obj: dict[str, Any] = {"email": customer.email}
        if customer.telegram_id is not None:
            customer_obj["telegram_id"] = customer.telegram_id
        order: dict[str, Any] = {
            "order_id": f"A-{1001 + index}",
            "customer": customer_obj,
            "status": status,
            "created_at": created.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "items": items,
        }
        tracking = _tracking(rng, created, status)
        if tracking is not None:
            order["tracking"] = tracking
        orders.append(order)
    return orders
