"""The turn's facts: the catalog rows a product page brings with it."""

from __future__ import annotations

from pathlib import Path

from sqlmodel import Session

from catalog.db import create_db_engine, init_schema
from catalog.models import Product
from dialogue.facts_builder import build_facts, family_key
from dialogue.grounded import prompt_facts
from dialogue.verify.facts import FactSet, ProductFact


def _engine(tmp_path: Path, products: list[Product]):  # type: ignore[no-untyped-def]
    engine = create_db_engine(f"sqlite:///{tmp_path / 'shop.db'}")
    init_schema(engine)
    with Session(engine) as session:
        session.add_all(products)
        session.commit()
    return engine


def test_variants_come_with_the_page_and_untitled_products_do_not(tmp_path: Path) -> None:
    shoes = dict(brand="Trailco", category="Shoes", price=89.0, currency="USD", stock=3)
    engine = _engine(
        tmp_path,
        [
            Product(sku="TS-RED", title="Trail Shoes (Red)", **shoes),  # type: ignore[arg-type]
            Product(sku="TS-BLUE", title="Trail Shoes (Blue)", **shoes),  # type: ignore[arg-type]
            Product(sku="HAT-1", title="Trail Hat", **shoes),  # type: ignore[arg-type]
            # scraped catalogs often have neither title, brand nor category
            Product(sku="B0001"),
            Product(sku="B0002"),
            Product(sku="B0003"),
        ],
    )
    facts, products = build_facts(engine, [], subject_skus=["TS-RED"], with_family=True)
    assert set(products) == {"TS-RED", "TS-BLUE"}
    assert [p.sku for p in facts.family_of("TS-RED")] == ["TS-BLUE"]

    facts, products = build_facts(engine, [], subject_skus=["B0001"], with_family=True)
    assert set(products) == {"B0001"}, "untitled products are not one another's variants"
    assert facts.family_of("B0001") == []
    assert family_key(Product(sku="x")) == ""


def test_a_catalog_row_that_knows_only_its_sku_stays_out_of_the_prompt() -> None:
    facts = FactSet.build(
        [
            ProductFact(sku="B0001"),
            ProductFact(sku="TS-RED", title="Trail Shoes (Red)", price=89.0, currency="USD"),
            ProductFact(sku="B0002", stock=0),
        ],
        [],
    )
    lines = prompt_facts(facts, "en")
    assert [line.ref for line in lines] == ["TS-RED#catalog", "B0002#catalog"]
    assert "price 89 USD" in lines[0].text and "out of stock" in lines[1].text
