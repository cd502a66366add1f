"""Recommendations: filtered retrieval, in-stock first, cards with a grounded reason."""

from __future__ import annotations

import re

from catalog.models import Product
from dialogue.types import ProductCard
from dialogue.understand.types import Slots
from retrieval.types import ProductHit, SearchFilters

_FIRST_SENTENCE = re.compile(r"^(.+?[.!?。！？])(\s|$)")


def filters_for(slots: Slots, lang: str | None = None) -> SearchFilters:
    budget = slots.budget
    return SearchFilters(
        category=slots.category,
        brand=slots.brand,
        min_price=budget.min_price if budget else None,
        max_price=budget.max_price if budget else None,
        kinds=("product",),
    )


def localized(product: Product, lang: str) -> tuple[str, str]:
    """Title and description in the shopper's language when the catalog has them."""
    zh = product.translations.get("zh") if isinstance(product.translations, dict) else None
    if lang == "zh" and isinstance(zh, dict):
        return str(zh.get("title") or product.title), str(
            zh.get("description") or product.description
        )
    return product.title, product.description


def reason_for(product: Product, lang: str) -> str:
    """One sentence of the product's own description: grounded by construction."""
    _, description = localized(product, lang)
    match = _FIRST_SENTENCE.match(description.strip())
    return (match.group(1) if match else description.strip())[:200]


def card_for(product: Product, lang: str, reason: str = "") -> ProductCard:
    title, _ = localized(product, lang)
    return ProductCard(
        sku=product.sku,
        title=title,
        price=product.price,
        currency=product.currency,
        image_url=product.image_url,
        url=product.url,
        in_stock=None if product.stock is None else product.stock > 0,
        reason=reason,
    )


def rank_for_cards(
    hits: list[ProductHit], products: dict[str, Product], limit: int, slots: Slots
) -> list[Product]:
    """Keep retrieval order, but products in stock and matching stated attributes first."""
    wanted = [value.lower() for _, value in slots.attributes]

    def matches(product: Product) -> bool:
        text = " ".join(str(v) for v in (product.attributes or {}).values()).lower()
        text += " " + product.title.lower()
        return all(w in text for w in wanted)

    found = [products[h.sku] for h in hits if h.sku in products]
    in_stock = [p for p in found if (p.stock or 0) > 0]
    ordered = sorted(in_stock, key=lambda p: not matches(p)) + [
        p for p in found if (p.stock or 0) <= 0
    ]
    return ordered[:limit]
