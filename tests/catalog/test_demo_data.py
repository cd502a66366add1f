"""The shipped demo shop follows DATA_FORMATS.md and stays internally consistent."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from catalog.demo import DEMO_DIR, DOCS_DIR, IMAGES_DIR, ORDERS_FILE, PRODUCTS_FILE
from catalog.demo.build_demo import build

STATUSES = {"pending", "paid", "shipped", "delivered", "cancelled", "returned", "refunded"}
DEMO_NOW = datetime(2026, 11, 20, 23, 59, tzinfo=UTC)
HAN = re.compile(r"[\u4e00-\u9fff]")


def _read_jsonl(path: Path) -> list[dict[str, Any]]:
    rows = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            pytest.fail(f"{path.name}:{number}: not JSON: {exc}")
        assert isinstance(row, dict), f"{path.name}:{number}: not an object"
        rows.append(row)
    return rows


@pytest.fixture(scope="module")
def products() -> list[dict[str, Any]]:
    return _read_jsonl(PRODUCTS_FILE)


@pytest.fixture(scope="module")
def orders() -> list[dict[str, Any]]:
    return _read_jsonl(ORDERS_FILE)


def test_products_have_every_field(products: list[dict[str, Any]]) -> None:
    for p in products:
        sku = p["sku"]
        assert re.fullmatch(r"[A-Z]{2}-\d{4}", sku), sku
        for key in ("title", "description", "category", "brand", "lang"):
            assert isinstance(p[key], str) and p[key].strip(), (sku, key)
        assert p["lang"] == "en"
        assert p["currency"] == "CNY"
        assert isinstance(p["price"], float) and p["price"] > 0, sku
        assert isinstance(p["stock"], int) and p["stock"] >= 0, sku
        assert isinstance(p["attributes"], dict) and p["attributes"], sku
        for name, value in p["attributes"].items():
            assert isinstance(value, str | int | float), (sku, name)
        assert p["url"] == f"/p/{sku}"
        assert p["image_url"] == f"/static/products/{sku}.svg"
        assert not HAN.search(p["title"] + p["description"]), f"{sku}: English text has Han"
        assert 2 <= p["description"].count(". ") + 1 <= 6, f"{sku}: 2-4 sentences expected"


def test_every_product_has_a_chinese_translation(products: list[dict[str, Any]]) -> None:
    for p in products:
        zh = p["translations"]["zh"]
        assert set(zh) == {"title", "description"}, p["sku"]
        assert HAN.search(zh["title"]) and HAN.search(zh["description"]), p["sku"]


def test_passages_are_qa_or_reviews(products: list[dict[str, Any]]) -> None:
    sources: Counter[str] = Counter()
    for p in products:
        assert 1 <= len(p["passages"]) <= 3, p["sku"]
        for passage in p["passages"]:
            assert set(passage) == {"source", "text"}
            sources[passage["source"]] += 1
            if passage["source"] == "qa":
                assert re.match(r"Q: .+ A: .+", passage["text"]), passage["text"]
            else:
                assert passage["source"] == "review" and passage["text"].strip()
    assert sources["qa"] > 100 and sources["review"] > 30
    texts = [x["text"] for p in products for x in p["passages"]]
    assert sum(bool(HAN.search(t)) for t in texts) > len(texts) // 4, "mix of languages"


def test_catalog_size_and_shape(products: list[dict[str, Any]]) -> None:
    skus = [p["sku"] for p in products]
    assert len(skus) == len(set(skus)), "SKUs must be unique"
    assert len(products) >= 150
    categories = Counter(p["category"] for p in products)
    assert len(categories) >= 12 and min(categories.values()) >= 8
    assert len({c.split(" / ")[0] for c in categories}) >= 5
    assert len({p["brand"] for p in products}) >= 15
    assert any(p["stock"] == 0 for p in products)
    assert any(0 < p["stock"] <= 5 for p in products)


def test_near_duplicates_differ_only_by_attributes(products: list[dict[str, Any]]) -> None:
    """Variants share a title stem: their attributes must tell them apart."""
    stems: dict[str, list[dict[str, Any]]] = {}
    for p in products:
        stems.setdefault(p["title"].split(" (")[0].split(",")[0], []).append(p)
    families = [group for group in stems.values() if len(group) > 1]
    assert len(families) >= 25
    for group in families:
        attrs = [json.dumps(p["attributes"], sort_keys=True) for p in group]
        assert len(set(attrs)) == len(group), [p["sku"] for p in group]
    # "does it come in red?" has answers both ways
    assert sum(1 for p in products if p["attributes"].get("color") == "red") >= 5


def test_every_product_has_a_small_svg_image(products: list[dict[str, Any]]) -> None:
    for p in products:
        path = IMAGES_DIR / f"{p['sku']}.svg"
        assert path.is_file(), path
        assert path.stat().st_size < 2048, path
        root = ET.fromstring(path.read_text(encoding="utf-8"))
        assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert len(list(IMAGES_DIR.glob("*.svg"))) == len(products), "no stray images"


def test_orders_reference_demo_products(
    orders: list[dict[str, Any]], products: list[dict[str, Any]]
) -> None:
    price = {p["sku"]: p["price"] for p in products}
    ids = [o["order_id"] for o in orders]
    assert len(ids) == len(set(ids)) and 30 <= len(orders) <= 60
    for o in orders:
        assert o["status"] in STATUSES, o["order_id"]
        created = datetime.strptime(o["created_at"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
        assert DEMO_NOW - timedelta(days=92) <= created <= DEMO_NOW, o["order_id"]
        assert re.fullmatch(r"[a-z.]+@example\.com", o["customer"]["email"])
        assert isinstance(o["customer"].get("telegram_id", 0), int)
        assert o["items"], o["order_id"]
        for line in o["items"]:
            assert line["sku"] in price, (o["order_id"], line["sku"])
            assert line["price"] == price[line["sku"]]
            assert isinstance(line["qty"], int) and line["qty"] >= 1
        if o["status"] in ("shipped", "delivered"):
            tracking = o["tracking"]
            assert tracking["carrier"] in {"SF", "JD", "YTO"} and tracking["number"]
            assert datetime.fromisoformat(tracking["eta"]).date() >= created.date()
        if o["status"] in ("pending", "paid", "cancelled"):
            assert "tracking" not in o, o["order_id"]
    assert {o["status"] for o in orders} == STATUSES
    customers = Counter(o["customer"]["email"] for o in orders)
    assert len(customers) >= 12 and max(customers.values()) >= 4, "some repeat buyers"
    assert any("telegram_id" in o["customer"] for o in orders)


def _sections(path: Path) -> list[str]:
    return [
        line for line in path.read_text(encoding="utf-8").splitlines() if line.startswith("## ")
    ]


def _numbers(path: Path) -> Counter[str]:
    return Counter(re.findall(r"\d+(?:\.\d+)?", path.read_text(encoding="utf-8")))


def test_docs_exist_in_both_languages_with_the_same_facts() -> None:
    names = {path.name for path in DOCS_DIR.glob("*.md")}
    topics = {"shipping", "returns", "warranty", "payment", "privacy", "faq"}
    assert names == {f"{t}.{lang}.md" for t in topics for lang in ("en", "zh")}
    for topic in topics:
        en, zh = DOCS_DIR / f"{topic}.en.md", DOCS_DIR / f"{topic}.zh.md"
        assert len(_sections(en)) >= 4 and len(_sections(en)) == len(_sections(zh)), topic
        # every figure (prices, days, hours, percentages) is stated in both languages
        assert set(_numbers(en)) == set(_numbers(zh)), (topic, _numbers(en) ^ _numbers(zh))


def test_generated_files_are_up_to_date(tmp_path: Path) -> None:
    """Re-running the generator reproduces the committed files byte for byte."""
    build(tmp_path)
    for name in ("products.jsonl", "orders.jsonl"):
        assert (tmp_path / name).read_bytes() == (DEMO_DIR / name).read_bytes(), name
    for svg in (tmp_path / "images").glob("*.svg"):
        assert svg.read_bytes() == (IMAGES_DIR / svg.name).read_bytes(), svg.name
