"""The turn's facts: retrieved passages plus the current catalog rows they are about.

Prices and stock are read from the catalog at answer time, never from the
index, so an answer is checked against what the shop says now.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from catalog.models import Product
from dialogue.verify.facts import FactSet, PassageFact, ProductFact
from retrieval.types import Hit

_VARIANT_SUFFIX = re.compile(r"\s*[(（][^)）]*[)）]\s*$")


def family_key(product: Product) -> str:
    """Variants share brand, category and title up to a trailing "(Colour)" or "（颜色）".

    A product without a title has no family (""): otherwise every untitled product
    with no brand or category would count as a variant of every other.
    """
    base = _VARIANT_SUFFIX.sub("", product.title).strip().lower()
    if not base:
        return ""
    return f"{product.brand.lower()}|{product.category.lower()}|{base}"


def load_products(engine: Engine, skus: Iterable[str]) -> dict[str, Product]:
    wanted = list(dict.fromkeys(s for s in skus if s))
    if not wanted:
        return {}
    with Session(engine) as session:
        rows = session.exec(select(Product).where(col(Product.sku).in_(wanted))).all()
        return {row.sku: row for row in rows}


def load_family(engine: Engine, product: Product) -> list[Product]:
    """The product's variants (itself included), for "does it come in red?"."""
    key = family_key(product)
    if not key:
        return [product]
    with Session(engine) as session:
        query = select(Product).where(
            Product.brand == product.brand, Product.category == product.category
        )
        siblings = session.exec(query.limit(200)).all()
    return [p for p in siblings if family_key(p) == key]


def build_facts(
    engine: Engine,
    hits: Sequence[Hit],
    *,
    subject_skus: Sequence[str] = (),
    with_family: bool = False,
) -> tuple[FactSet, dict[str, Product]]:
    """Facts for the verifier and the prompt, and the catalog rows behind them."""
    skus = [*subject_skus, *(h.passage.sku for h in hits if h.passage.sku)]
    products = load_products(engine, skus)
    if with_family:
        for sku in subject_skus:
            if sku in products:
                for sibling in load_family(engine, products[sku]):
                    products.setdefault(sibling.sku, sibling)
    product_facts = [ProductFact.from_product(p, family=family_key(p)) for p in products.values()]
    passages = [PassageFact.from_passage(h.passage) for h in hits]
    return FactSet.build(product_facts, passages), products
