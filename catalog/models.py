"""The shop's data as SQL tables: products with passages, documents, customers, orders."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Column, Text
from sqlmodel import Field, SQLModel


def utcnow() -> datetime:
    return datetime.now(UTC)


class Product(SQLModel, table=True):
    """One catalog line. `translations` holds other languages: {"zh": {"title", "description"}}."""

    sku: str = Field(primary_key=True, max_length=128)
    title: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    description: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    category: str = Field(default="", index=True)
    brand: str = Field(default="", index=True)
    price: float | None = None
    currency: str = ""
    stock: int | None = None
    attributes: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    translations: dict[str, Any] = Field(
        default_factory=dict, sa_column=Column(JSON, nullable=False)
    )
    url: str = ""
    image_url: str = ""
    lang: str = ""
    # sha256 of the normalised record: re-ingesting an unchanged line is a no-op
    content_hash: str = ""
    updated_at: datetime = Field(default_factory=utcnow)


class ProductPassage(SQLModel, table=True):
    """Extra evidence about a product (bullet, review, community answer), indexed with it."""

    id: int | None = Field(default=None, primary_key=True)
    sku: str = Field(foreign_key="product.sku", index=True, max_length=128)
    position: int = 0
    source: str = ""
    text: str = Field(sa_column=Column(Text, nullable=False))
    lang: str = ""


class DocumentPassage(SQLModel, table=True):
    """A policy or FAQ passage: one heading's section of one document file."""

    id: int | None = Field(default=None, primary_key=True)
    path: str = Field(index=True)  # file name relative to the ingested directory
    heading: str = ""
    position: int = 0
    text: str = Field(sa_column=Column(Text, nullable=False))
    lang: str = ""
    content_hash: str = ""
    updated_at: datetime = Field(default_factory=utcnow)


class Customer(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    email: str | None = Field(default=None, unique=True, index=True)
    telegram_id: int | None = Field(
        default=None, sa_column=Column(BigInteger, unique=True, index=True, nullable=True)
    )
    name: str = ""
    created_at: datetime = Field(default_factory=utcnow)


class Order(SQLModel, table=True):
    order_id: str = Field(primary_key=True, max_length=128)
    customer_id: int | None = Field(default=None, foreign_key="customer.id", index=True)
    status: str = ""
    created_at: datetime = Field(default_factory=utcnow, index=True)
    currency: str = ""
    total: float = 0.0
    # {"carrier", "number", "eta"} as given in the orders file
    tracking: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    # sha256 of the normalised order line: re-ingesting an unchanged order is a no-op
    content_hash: str = ""
    updated_at: datetime = Field(default_factory=utcnow)


class OrderItem(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    order_id: str = Field(foreign_key="order.order_id", index=True, max_length=128)
    sku: str = Field(index=True, max_length=128)
    qty: int = 1
    price: float = 0.0
