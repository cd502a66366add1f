"""Commerce figures: recommendation click-through, assisted orders and revenue, per day.

An order is assisted when it contains a SKU that the assistant showed as a
product card or cited in an answer to the same customer at most
`assisted_window_days` before the order was placed: within a conversation,
from the SKU's first mention until that many days after its last. Only conversations with a
known customer can assist an order; channel and language filters apply to
those conversations, the date range to the orders.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import Connection, and_, func, select
from sqlalchemy.sql.elements import ColumnElement

from analytics.events import CARD_CLICK
from analytics.filters import Scope
from analytics.service import scoped_conversations
from analytics.sql import (
    CONVERSATION,
    ORDER,
    ORDER_ITEM,
    as_int,
    bucket_of,
    channel_lang_conditions,
    epoch,
    mentioned_skus,
    unindexed,
)
from analytics.types import CommerceMetrics, OrderDay, Rate


def commerce_metrics(connection: Connection, scope: Scope) -> CommerceMetrics:
    """Click-through over the conversations in scope; orders and revenue per local day."""
    shown, clicked = _click_through(connection, scope)
    days = scope.days()
    o = ORDER.c
    # All orders per day through the (time, total) index alone; assisted ones per
    # day from the few assisted rows. Days are grouped by name in a subquery:
    # PostgreSQL cannot match a GROUP BY expression with bound parameters.
    every = (
        select(bucket_of(o.created_at, days).label("b"), o.total)
        .where(*order_conditions(scope))
        .subquery("every")
    )
    assisted = assisted_order_ids(connection, scope)
    helped = select(bucket_of(assisted.c.created_at, days).label("b"), assisted.c.total).subquery(
        "helped"
    )
    rows = connection.execute(
        select(
            every.c.b, func.count().label("n"), func.sum(every.c.total).label("revenue")
        ).group_by(every.c.b)
    ).all()
    assisted_rows = connection.execute(
        select(
            helped.c.b, func.count().label("n"), func.sum(helped.c.total).label("revenue")
        ).group_by(helped.c.b)
    ).all()
    by_day = {int(r.b): as_int(r.n) for r in rows}
    assisted_by_day = {int(r.b): as_int(r.n) for r in assisted_rows}
    per_day = tuple(
        OrderDay(d.label, by_day.get(i, 0), assisted_by_day.get(i, 0)) for i, d in enumerate(days)
    )
    orders = sum(by_day.values())
    revenue = sum(float(r.revenue or 0) for r in rows)
    assisted_revenue = sum(float(r.revenue or 0) for r in assisted_rows)
    # Totals are summed as stored: a shop sells in one currency, the latest order's.
    currency = connection.scalar(
        select(ORDER.c.currency)
        .where(*order_conditions(scope))
        .order_by(ORDER.c.created_at.desc())
        .limit(1)
    )
    return CommerceMetrics(
        cards_shown=shown,
        click_through=Rate(clicked, shown),
        orders=orders,
        revenue=revenue,
        assisted_orders=Rate(sum(assisted_by_day.values()), orders),
        assisted_revenue=assisted_revenue,
        assisted_revenue_share=assisted_revenue / revenue if revenue else None,
        currency=currency or "",
        days=per_day,
    )


def order_conditions(scope: Scope) -> list[ColumnElement[bool]]:
    return [ORDER.c.created_at >= scope.t0, ORDER.c.created_at < scope.t1]


def _click_through(connection: Connection, scope: Scope) -> tuple[int, int]:
    """(shown, clicked): distinct (conversation, SKU) card pairs in scope, and those clicked."""
    scoped = select(scoped_conversations(scope).c.id)
    cards = mentioned_skus(connection.dialect.name, scoped, citations=False).subquery("cards")
    shown = select(cards.c.conversation_id, cards.c.sku).distinct().subquery("shown")
    clicks = (
        select(CARD_CLICK.c.conversation_id, CARD_CLICK.c.sku)
        .where(CARD_CLICK.c.conversation_id.in_(scoped))
        .distinct()
        .subquery("clicks")
    )
    row = connection.execute(
        select(func.count().label("shown"), func.count(clicks.c.sku).label("clicked")).select_from(
            shown.outerjoin(
                clicks,
                and_(
                    clicks.c.conversation_id == shown.c.conversation_id,
                    clicks.c.sku == shown.c.sku,
                ),
            )
        )
    ).one()
    return as_int(row.shown), as_int(row.clicked)


def assisted_order_ids(connection: Connection, scope: Scope) -> Any:
    """Subquery (order_id, created_at, total, conversation_id): assisted orders in range.

    conversation_id is one conversation behind each (the smallest id).

    Driven from the mentions, which are few: answers in conversations with a
    customer that were active in the range or the window before it. Each finds
    that customer's later orders through the (customer, time) index, then tests
    the order's lines for the SKU. The mentions are materialized so the JSON is
    expanded once.
    """
    window = timedelta(days=scope.settings.assisted_window_days)
    c = CONVERSATION.c
    # Found through the last-activity index: the start bound only filters.
    active = select(c.id).where(
        c.customer_id.is_not(None),
        c.last_activity_at >= scope.t0 - window,
        unindexed(c.started_at) < scope.t1,
        *channel_lang_conditions(scope, c),
    )
    found = mentioned_skus(connection.dialect.name, active).subquery("found")
    # One row per conversation and SKU: from its first mention there, the order may
    # come until `window` after its last one.
    spans = (
        select(
            found.c.conversation_id,
            found.c.sku,
            func.min(found.c.at).label("first_at"),
            func.max(found.c.at).label("last_at"),
        )
        .group_by(found.c.conversation_id, found.c.sku)
        .subquery("spans")
    )
    mentions = (
        select(
            spans.c.conversation_id,
            spans.c.sku,
            spans.c.first_at,
            (epoch(spans.c.last_at) + window.total_seconds()).label("until_s"),
            c.customer_id,
        )
        .select_from(spans.join(CONVERSATION, c.id == spans.c.conversation_id))
        .cte("mentions")
        .prefix_with("MATERIALIZED")
    )
    m = mentions.c
    o = ORDER.c
    # The line test is an EXISTS on (order, SKU): joining the lines instead lets a
    # planner without statistics walk every line of a popular SKU.
    has_line = (
        select(ORDER_ITEM.c.order_id)
        .where(ORDER_ITEM.c.order_id == o.order_id, ORDER_ITEM.c.sku == m.sku)
        .exists()
    )
    return (
        select(
            o.order_id, o.created_at, o.total, func.min(m.conversation_id).label("conversation_id")
        )
        .select_from(
            mentions.join(ORDER, and_(o.customer_id == m.customer_id, o.created_at >= m.first_at))
        )
        .where(
            *order_conditions(scope),
            epoch(o.created_at) <= m.until_s,
            has_line,
        )
        .group_by(o.order_id, o.created_at, o.total)
        .subquery("assisted")
    )
