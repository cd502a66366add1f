"""Commerce figures: recommendation click-through, assisted orders and revenue.

An order is assisted when it contains a SKU that the assistant showed as a
product card or cited in an answer to the same customer at most
`assisted_window_days` before the order was placed. Only conversations with a
known customer can assist an order; channel and language filters apply to
those conversations, the date range to the orders.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import Connection, and_, case, func, select
from sqlalchemy.sql.elements import ColumnElement

from analytics.events import CARD_CLICK
from analytics.filters import Scope
from analytics.outcomes import flag
from analytics.service import scoped_conversations
from analytics.sql import (
    CONVERSATION,
    ORDER,
    ORDER_ITEM,
    TURN,
    as_int,
    bucket_of,
    channel_lang_conditions,
    epoch,
    mentioned_skus,
)
from analytics.types import CommerceMetrics, OrderDay, Rate


def commerce_metrics(connection: Connection, scope: Scope) -> CommerceMetrics:
    shown, clicked = _click_through(connection, scope)
    assisted = assisted_order_ids(connection, scope)
    is_assisted = assisted.c.order_id.is_not(None)
    row = connection.execute(
        select(
            func.count().label("orders"),
            func.coalesce(func.sum(ORDER.c.total), 0).label("revenue"),
            func.count(assisted.c.order_id).label("assisted"),
            func.coalesce(func.sum(case((is_assisted, ORDER.c.total), else_=0)), 0).label(
                "assisted_revenue"
            ),
        )
        .select_from(ORDER.outerjoin(assisted, assisted.c.order_id == ORDER.c.order_id))
        .where(*order_conditions(scope))
    ).one()
    # Totals are summed as stored: a shop sells in one currency, the latest order's.
    currency = connection.scalar(
        select(ORDER.c.currency)
        .where(*order_conditions(scope))
        .order_by(ORDER.c.created_at.desc())
        .limit(1)
    )
    revenue = float(row.revenue or 0)
    assisted_revenue = float(row.assisted_revenue or 0)
    return CommerceMetrics(
        cards_shown=shown,
        click_through=Rate(clicked, shown),
        orders=as_int(row.orders),
        revenue=revenue,
        assisted_orders=Rate(as_int(row.assisted), as_int(row.orders)),
        assisted_revenue=assisted_revenue,
        assisted_revenue_share=assisted_revenue / revenue if revenue else None,
        currency=currency or "",
    )


def order_conditions(scope: Scope) -> list[ColumnElement[bool]]:
    return [ORDER.c.created_at >= scope.t0, ORDER.c.created_at < scope.t1]


def _click_through(connection: Connection, scope: Scope) -> tuple[int, int]:
    """(shown, clicked): distinct (conversation, SKU) card pairs in scope, and those clicked."""
    dialect = connection.dialect.name
    scoped = scoped_conversations(scope)
    mentions = mentioned_skus(
        dialect,
        turns=[TURN.c.conversation_id.in_(select(scoped.c.id))],
        citations=False,
    ).subquery("cards")
    shown = select(mentions.c.conversation_id, mentions.c.sku).distinct().subquery("shown")
    clicks = (
        select(CARD_CLICK.c.conversation_id, CARD_CLICK.c.sku)
        .where(CARD_CLICK.c.conversation_id.in_(select(scoped.c.id)))
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
    """Subquery (order_id, conversation_id): assisted orders in range, a conversation behind each.

    Driven from the mentions, which are few (assistant turns in the range and
    the window before it, with a customer): each finds that customer's orders
    placed after it through the (customer, time) index, then the order's items.
    The mentions are materialized so the JSON is expanded once.
    """
    window = timedelta(days=scope.settings.assisted_window_days)
    mentions = (
        mentioned_skus(
            connection.dialect.name,
            turns=[TURN.c.created_at >= scope.t0 - window, TURN.c.created_at < scope.t1],
            conversations=[
                CONVERSATION.c.customer_id.is_not(None),
                *channel_lang_conditions(scope, CONVERSATION.c),
            ],
        )
        .cte("mentions")
        .prefix_with("MATERIALIZED")
    )
    m = mentions.c
    o = ORDER.c
    # The item test is an EXISTS on (order, SKU): joining the items table instead
    # lets a planner without statistics walk every line of a popular SKU.
    has_item = (
        select(ORDER_ITEM.c.order_id)
        .where(ORDER_ITEM.c.order_id == o.order_id, ORDER_ITEM.c.sku == m.sku)
        .exists()
    )
    return (
        select(o.order_id, func.min(m.conversation_id).label("conversation_id"))
        .select_from(
            mentions.join(ORDER, and_(o.customer_id == m.customer_id, o.created_at >= m.at))
        )
        .where(
            *order_conditions(scope),
            epoch(o.created_at) <= epoch(m.at) + window.total_seconds(),
            has_item,
        )
        .group_by(o.order_id)
        .subquery("assisted")
    )


def daily_orders(connection: Connection, scope: Scope) -> tuple[OrderDay, ...]:
    """Orders per local day of the range, and the assisted ones among them."""
    days = scope.days()
    assisted = assisted_order_ids(connection, scope)
    bucketed = (
        select(
            bucket_of(ORDER.c.created_at, days).label("b"),
            flag(assisted.c.order_id.is_not(None)).label("assisted"),
        )
        .select_from(ORDER.outerjoin(assisted, assisted.c.order_id == ORDER.c.order_id))
        .where(*order_conditions(scope))
        .subquery("bucketed")
    )
    rows = connection.execute(
        select(bucketed.c.b, func.count().label("n"), func.sum(bucketed.c.assisted).label("a"))
        .where(bucketed.c.b >= 0)
        .group_by(bucketed.c.b)
    ).all()
    by_day = {int(r.b): r for r in rows}
    return tuple(
        OrderDay(
            day.label,
            as_int(by_day[i].n) if i in by_day else 0,
            as_int(by_day[i].a) if i in by_day else 0,
        )
        for i, day in enumerate(days)
    )
