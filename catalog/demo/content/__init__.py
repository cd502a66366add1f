"""Hand-written demo catalog content, one module per category."""

from __future__ import annotations

from catalog.demo.content import (
    apparel_men,
    apparel_women,
    audio,
    computers,
    fitness,
    furniture,
    kitchen,
    makeup,
    outdoors,
    phones,
    shoes,
    skincare,
    snacks,
    tea_coffee,
)
from catalog.demo.spec import Entry

# (category, entries) in the order their lines appear in products.jsonl
SECTIONS: tuple[tuple[str, list[Entry]], ...] = tuple(
    (module.CATEGORY, module.ENTRIES)
    for module in (
        audio,
        phones,
        computers,
        kitchen,
        furniture,
        skincare,
        makeup,
        apparel_men,
        apparel_women,
        shoes,
        tea_coffee,
        snacks,
        outdoors,
        fitness,
    )
)
