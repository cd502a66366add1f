"""Every table of kefu 0.1: catalog, transcripts, web event log, card clicks; analytics indexes.

Revision ID: 0001
Revises:
Create Date: 2026-12-07

Databases made before migrations (by `create_all`) already hold some or all of
these tables: this revision creates only the tables and indexes that are
missing, so upgrading such a database adopts it instead of failing. The schema
is frozen here as it stood at this revision, apart from the live models.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | None = None
depends_on: str | None = None

schema = sa.MetaData()


def _str(length: int | None = None) -> sa.String:
    return sa.String(length)


def _when() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def _pk_int() -> sa.Column[int]:
    return sa.Column("id", sa.Integer(), primary_key=True)


def _text(name: str) -> sa.Column[str]:
    return sa.Column(name, sa.Text(), nullable=False)


def _json(name: str) -> sa.Column[Any]:
    return sa.Column(name, sa.JSON(), nullable=False)


def _col(name: str, type_: sa.types.TypeEngine[Any], nullable: bool = False) -> sa.Column[Any]:
    return sa.Column(name, type_, nullable=nullable)


# -- catalog ------------------------------------------------------------------
product = sa.Table(
    "product",
    schema,
    sa.Column("sku", _str(128), primary_key=True),
    _text("title"),
    _text("description"),
    _col("category", _str()),
    _col("brand", _str()),
    _col("price", sa.Float(), nullable=True),
    _col("currency", _str()),
    _col("stock", sa.Integer(), nullable=True),
    _json("attributes"),
    _json("translations"),
    _col("url", _str()),
    _col("image_url", _str()),
    _col("lang", _str()),
    _col("content_hash", _str()),
    _col("updated_at", _when()),
)
sa.Index("ix_product_brand", product.c.brand)
sa.Index("ix_product_category", product.c.category)

productpassage = sa.Table(
    "productpassage",
    schema,
    _pk_int(),
    sa.Column("sku", _str(128), sa.ForeignKey("product.sku"), nullable=False),
    _col("position", sa.Integer()),
    _col("source", _str()),
    _text("text"),
    _col("lang", _str()),
)
sa.Index("ix_productpassage_sku", productpassage.c.sku)

documentpassage = sa.Table(
    "documentpassage",
    schema,
    _pk_int(),
    _col("path", _str()),
    _col("heading", _str()),
    _col("position", sa.Integer()),
    _text("text"),
    _col("lang", _str()),
    _col("content_hash", _str()),
    _col("updated_at", _when()),
)
sa.Index("ix_documentpassage_path", documentpassage.c.path)

customer = sa.Table(
    "customer",
    schema,
    _pk_int(),
    _col("email", _str(), nullable=True),
    _col("telegram_id", sa.BigInteger(), nullable=True),
    _col("name", _str()),
    _col("created_at", _when()),
)
sa.Index("ix_customer_email", customer.c.email, unique=True)
sa.Index("ix_customer_telegram_id", customer.c.telegram_id, unique=True)

order = sa.Table(
    "order",
    schema,
    sa.Column("order_id", _str(128), primary_key=True),
    sa.Column("customer_id", sa.Integer(), sa.ForeignKey("customer.id"), nullable=True),
    _col("status", _str()),
    _col("created_at", _when()),
    _col("currency", _str()),
    _col("total", sa.Float()),
    _json("tracking"),
    _col("content_hash", _str()),
    _col("updated_at", _when()),
)
sa.Index("ix_order_created_at", order.c.created_at)
sa.Index("ix_order_customer_id", order.c.customer_id)
sa.Index("ix_analytics_order_customer_time", order.c.customer_id, order.c.created_at, order.c.total)
sa.Index("ix_analytics_order_time_total", order.c.created_at, order.c.total)

orderitem = sa.Table(
    "orderitem",
    schema,
    _pk_int(),
    sa.Column("order_id", _str(128), sa.ForeignKey("order.order_id"), nullable=False),
    _col("sku", _str(128)),
    _col("qty", sa.Integer()),
    _col("price", sa.Float()),
)
sa.Index("ix_orderitem_order_id", orderitem.c.order_id)
sa.Index("ix_orderitem_sku", orderitem.c.sku)
sa.Index("ix_analytics_orderitem_order_sku", orderitem.c.order_id, orderitem.c.sku)

# -- dialogue transcripts -----------------------------------------------------------
conversation = sa.Table(
    "conversation",
    schema,
    sa.Column("id", _str(64), primary_key=True),
    _col("channel", _str()),
    _col("customer_id", sa.Integer(), nullable=True),
    _col("external_user", _str()),
    _col("lang", _str()),
    _col("owner", _str()),
    _col("owner_staff", _str(), nullable=True),
    _col("handoff_reason", _str()),
    _col("handed_off", sa.Boolean()),
    _col("resolved", sa.Boolean(), nullable=True),
    _col("csat", sa.Integer(), nullable=True),
    _col("failed_answers", sa.Integer()),
    _json("state"),
    _col("started_at", _when()),
    _col("last_activity_at", _when()),
    _col("closed_at", _when(), nullable=True),
)
for _name in ("channel", "customer_id", "lang", "owner", "started_at", "last_activity_at"):
    sa.Index(f"ix_conversation_{_name}", conversation.c[_name])
sa.Index(
    "ix_analytics_conversation_customer", conversation.c.customer_id, conversation.c.started_at
)

turn = sa.Table(
    "turn",
    schema,
    sa.Column("id", _str(64), primary_key=True),
    sa.Column("conversation_id", _str(64), sa.ForeignKey("conversation.id"), nullable=False),
    _col("message_id", _str(128)),
    _col("role", _str()),
    _col("author", _str()),
    _text("text"),
    _col("lang", _str()),
    _col("intent", _str()),
    _json("passages"),
    _json("claims"),
    _json("citations"),
    _json("cards"),
    _col("failed_checks", sa.Integer()),
    _col("model", _str()),
    _col("tokens", sa.Integer()),
    _json("latency_ms"),
    _col("thumbs", _str(), nullable=True),
    _col("created_at", _when()),
    sa.UniqueConstraint("conversation_id", "message_id"),
)
for _name in ("conversation_id", "created_at", "intent"):
    sa.Index(f"ix_turn_{_name}", turn.c[_name])
sa.Index(
    "ix_analytics_turn_conversation_role",
    *(turn.c[n] for n in ("conversation_id", "role", "created_at", "intent", "thumbs")),
    turn.c.failed_checks,
)

# -- web gateway event log ---------------------------------------------------------
web_conversation = sa.Table(
    "web_conversation",
    schema,
    sa.Column("id", _str(64), primary_key=True),
    _col("shop", _str(128)),
    _col("created_at", _when()),
    _col("locale", _str(16)),
    _col("customer_id", sa.Integer(), nullable=True),
    _col("status", _str(16)),
    _col("last_seq", sa.Integer()),
)

web_event = sa.Table(
    "web_event",
    schema,
    _pk_int(),
    sa.Column("conversation_id", _str(64), sa.ForeignKey("web_conversation.id"), nullable=False),
    _col("seq", sa.Integer()),
    _col("kind", _str(16)),
    _col("message_id", _str(64), nullable=True),
    _col("reply_to", _str(64), nullable=True),
    _col("turn_id", _str(128), nullable=True),
    _text("body"),
    sa.UniqueConstraint("conversation_id", "seq"),
    sa.UniqueConstraint("conversation_id", "message_id"),
)
sa.Index("ix_web_event_conversation_id", web_event.c.conversation_id)
sa.Index("ix_web_event_reply_to", web_event.c.reply_to)

web_feedback = sa.Table(
    "web_feedback",
    schema,
    _pk_int(),
    sa.Column("conversation_id", _str(64), sa.ForeignKey("web_conversation.id"), nullable=False),
    _col("turn_key", _str(128)),
    _col("turn_id", _str(128), nullable=True),
    _col("thumbs", _str(8), nullable=True),
    _col("csat", sa.Integer(), nullable=True),
    _text("comment"),
    _text("extra"),
    _col("updated_at", _when()),
    sa.UniqueConstraint("conversation_id", "turn_key"),
)
sa.Index("ix_web_feedback_conversation_id", web_feedback.c.conversation_id)

# -- analytics ----------------------------------------------------------------
card_click = sa.Table(
    "analytics_card_click",
    schema,
    _pk_int(),
    _col("conversation_id", _str(64)),
    _col("turn_id", _str(64), nullable=True),
    _col("sku", _str(128)),
    _col("at", _when()),
)
sa.Index("ix_analytics_card_click_at", card_click.c.at)
sa.Index("ix_analytics_card_click_conversation_id", card_click.c.conversation_id)


def upgrade() -> None:
    bind = op.get_bind()
    # Missing tables come with their indexes; tables a create_all made get the missing ones.
    schema.create_all(bind, checkfirst=True)
    for table in schema.sorted_tables:
        for index in table.indexes:
            index.create(bind, checkfirst=True)


def downgrade() -> None:
    schema.drop_all(op.get_bind())
