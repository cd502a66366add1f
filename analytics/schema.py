"""Analytics' own table and the indexes its queries rely on, created where missing.

The indexes live on tables other packages own (conversations, turns, orders);
they are declared here because only analytics' access paths need them:
a customer's conversations and orders in time order, a conversation's turns
of one role in time order, orders' totals in time order, an order's line
for one SKU. Declaring them
attaches them to the shared metadata, so a `create_all` after this import
creates them too; `init_analytics_schema` adds them to an existing database.
"""

from __future__ import annotations

from sqlalchemy import Engine, Index, inspect
from sqlmodel import SQLModel

from analytics.errors import translate_db_errors
from analytics.events import CARD_CLICK
from analytics.sql import CONVERSATION, CUSTOMER, ORDER, ORDER_ITEM, TURN

# Every table analytics reads; their owners normally create them first.
READ_TABLES = (CUSTOMER, ORDER, ORDER_ITEM, CONVERSATION, TURN)

INDEXES: tuple[Index, ...] = (
    Index(
        "ix_analytics_conversation_customer", CONVERSATION.c.customer_id, CONVERSATION.c.started_at
    ),
    # The trailing columns let the per-conversation passes read the index alone.
    Index(
        "ix_analytics_turn_conversation_role",
        TURN.c.conversation_id,
        TURN.c.role,
        TURN.c.created_at,
        TURN.c.intent,
        TURN.c.thumbs,
        TURN.c.failed_checks,
    ),
    Index(
        "ix_analytics_order_customer_time",
        ORDER.c.customer_id,
        ORDER.c.created_at,
        ORDER.c.total,
    ),
    Index("ix_analytics_order_time_total", ORDER.c.created_at, ORDER.c.total),
    Index("ix_analytics_orderitem_order_sku", ORDER_ITEM.c.order_id, ORDER_ITEM.c.sku),
)


def init_analytics_schema(engine: Engine) -> None:
    """Create the click table and the indexes above where missing (idempotent).

    An index on a table that does not exist yet is left to that table's
    `create_all`, which creates it along with the table.
    """
    with translate_db_errors():
        CARD_CLICK.create(engine, checkfirst=True)
        present = set(inspect(engine).get_table_names())
        for index in INDEXES:
            if index.table is not None and index.table.name in present:
                index.create(engine, checkfirst=True)


def ensure_tables(engine: Engine) -> None:
    """Create missing tables analytics reads (empty), then its own table and indexes.

    Lets a report or the demo generator run on a database where the shop has
    not ingested anything or had no conversation yet.
    """
    with translate_db_errors():
        SQLModel.metadata.create_all(engine, tables=list(READ_TABLES), checkfirst=True)
    init_analytics_schema(engine)
