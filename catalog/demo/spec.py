"""Compact, hand-written product entries and their expansion into catalog lines.

A `Family` is one product sold in several variants (colour, size, capacity),
each its own SKU: shoppers ask "does it come in red?" or "which is cheaper?",
so variants must be separate lines that only their attributes tell apart.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

Attrs = dict[str, str | int | float]


@dataclass(frozen=True)
class Item:
    """One product: English and Chinese text, attributes, and shopper passages.

    A passage starting with "Q:" is a community answer (source "qa"); any
    other passage is a review.
    """

    sku: str
    brand: str
    price: float
    stock: int
    attributes: Attrs
    title: str
    title_zh: str
    description: str
    description_zh: str
    passages: tuple[str, ...] = ()


@dataclass(frozen=True)
class Variant:
    """One SKU of a family: its label in both languages and what differs."""

    sku: str
    label: str
    label_zh: str
    price: float
    stock: int
    attributes: Attrs = field(default_factory=dict)
    passages: tuple[str, ...] = ()


@dataclass(frozen=True)
class Family:
    """Shared text with `{v}` standing for the variant label in each language."""

    brand: str
    attributes: Attrs
    title: str
    title_zh: str
    description: str
    description_zh: str
    passages: tuple[str, ...]
    variants: tuple[Variant, ...]

    def items(self) -> list[Item]:
        out = []
        for v in self.variants:
            out.append(
                Item(
                    sku=v.sku,
                    brand=self.brand,
                    price=v.price,
                    stock=v.stock,
                    attributes={**self.attributes, **v.attributes},
                    title=self.title.format(v=v.label),
                    title_zh=self.title_zh.format(v=v.label_zh),
                    description=self.description.format(v=v.label),
                    description_zh=self.description_zh.format(v=v.label_zh),
                    passages=(*self.passages, *v.passages),
                )
            )
        return out


Entry = Item | Family


def expand(entries: list[Entry]) -> list[Item]:
    items: list[Item] = []
    for entry in entries:
        items.extend(entry.items() if isinstance(entry, Family) else [entry])
    return items


def to_record(item: Item, category: str, currency: str) -> dict[str, Any]:
    """The catalog line for one item, keys in the order DATA_FORMATS.md lists them."""
    return {
        "sku": item.sku,
        "title": item.title,
        "description": item.description,
        "category": category,
        "brand": item.brand,
        "price": float(item.price),
        "currency": currency,
        "stock": item.stock,
        "attributes": dict(item.attributes),
        "url": f"/p/{item.sku}",
        "image_url": f"/static/products/{item.sku}.svg",
        "lang": "en",
        "translations": {"zh": {"title": item.title_zh, "description": item.description_zh}},
        "passages": [
            {"source": "qa" if text.startswith("Q:") else "review", "text": text}
            for text in item.passages
        ],
    }
