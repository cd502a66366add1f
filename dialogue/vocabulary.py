"""The shop's own words (categories, brands, attribute values) read from the catalog."""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import Engine
from sqlmodel import Session, select

from catalog.models import Product
from dialogue.understand.types import Vocabulary

# attributes whose values shoppers name in requests ("in red", "size M")
_NAMED_ATTRIBUTES = ("color", "colour", "size", "material", "type", "flavor", "scent")


def load_vocabulary(engine: Engine) -> Vocabulary:
    with Session(engine) as session:
        rows = session.exec(select(Product.category, Product.brand, Product.attributes)).all()
    categories = sorted({c for c, _, _ in rows if c})
    brands = sorted({b for _, b, _ in rows if b})
    values: dict[str, set[str]] = defaultdict(set)
    for _, _, attributes in rows:
        for key in _NAMED_ATTRIBUTES:
            value = (attributes or {}).get(key)
            if isinstance(value, str) and 0 < len(value) <= 40:
                values[key].add(value)
    return Vocabulary.from_lists(categories, brands, {k: sorted(v) for k, v in values.items()})
