"""`ingest_catalog`: JSONL and CSV, upserts, deletions, bad lines, atomicity."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from catalog.errors import IngestError
from catalog.ingest import RejectedFile, ingest_catalog
from catalog.ingest import products as products_module
from catalog.models import Product, ProductPassage
from tests.catalog.conftest import write_jsonl

CRISPER: dict[str, Any] = {
    "sku": "B00545ATZW",
    "title": "Frigidaire 240337103 Crisper Pan",
    "description": "Clear crisper drawer for side-by-side refrigerators.",
    "category": "Appliances / Parts",
    "brand": "Frigidaire",
    "price": 39.99,
    "currency": "USD",
    "stock": 12,
    "attributes": {"color": "clear", "width_in": "12"},
    "url": "https://shop.example/p/B00545ATZW",
    "image_url": "https://shop.example/i/B00545ATZW.jpg",
    "lang": "en",
    "passages": [
        {"source": "review", "text": "fits my FRS20 perfectly"},
        {"source": "qa", "text": "Q: dishwasher safe? A: no"},
    ],
}
TEA: dict[str, Any] = {
    "sku": "zh-3f2a",
    "title": "西湖龙井 明前特级 250克",
    "description": "产自杭州西湖产区，豆香浓郁。",
    "price": "168",
    "currency": "CNY",
    "material": "绿茶",  # not a known key: becomes an attribute
    "translations": {"en": {"title": "West Lake Longjing tea, 250 g"}},
    "passages": [{"source": "qa", "text": "问：可以冷泡吗？答：可以。"}],
}
KETTLE: dict[str, Any] = {
    "sku": "K-1",
    "title": "",
    "passages": [{"source": "bullet", "text": "1.7 L kettle"}],
}


def snapshot(engine: Engine) -> dict[str, Any]:
    """Everything stored about products, for before/after comparisons."""
    with Session(engine) as session:
        products = {
            p.sku: (p.title, p.description, p.price, p.stock, p.attributes, p.content_hash)
            for p in session.exec(select(Product))
        }
        passages = sorted(
            (p.sku, p.position, p.source, p.text) for p in session.exec(select(ProductPassage))
        )
    return {"products": products, "passages": passages}


def load(engine: Engine, sku: str) -> Product:
    with Session(engine) as session:
        product = session.get(Product, sku)
        assert product is not None
        return product


def passages_of(engine: Engine, sku: str) -> list[tuple[str, str, str]]:
    with Session(engine) as session:
        rows = session.exec(
            select(ProductPassage)
            .where(ProductPassage.sku == sku)
            .order_by(col(ProductPassage.position))
        )
        return [(p.source, p.text, p.lang) for p in rows]


def test_jsonl_loads_every_field(engine: Engine, tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "catalog.jsonl", [CRISPER, TEA, KETTLE])
    report = ingest_catalog(engine, path)
    assert (report.added, report.updated, report.rejected) == (3, 0, 0)
    assert report.changed_skus == {"B00545ATZW", "zh-3f2a", "K-1"}

    crisper = load(engine, "B00545ATZW")
    assert crisper.title == CRISPER["title"]
    assert (crisper.price, crisper.currency, crisper.stock) == (39.99, "USD", 12)
    assert crisper.attributes == {"color": "clear", "width_in": "12"}
    assert crisper.category == "Appliances / Parts"
    assert passages_of(engine, "B00545ATZW") == [
        ("review", "fits my FRS20 perfectly", "en"),
        ("qa", "Q: dishwasher safe? A: no", "en"),
    ]
    tea = load(engine, "zh-3f2a")
    assert tea.price == 168.0
    assert tea.lang == "zh"  # detected: no `lang` given
    assert tea.attributes == {"material": "绿茶"}
    assert tea.translations == {"en": {"title": "West Lake Longjing tea, 250 g"}}
    assert passages_of(engine, "zh-3f2a") == [("qa", "问：可以冷泡吗？答：可以。", "zh")]
    kettle = load(engine, "K-1")
    assert kettle.title == ""
    assert kettle.price is None and kettle.stock is None


def write_csv(path: Path, rows: list[dict[str, Any]]) -> Path:
    columns = sorted({key for row in rows for key in row})
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=columns)
        writer.writeheader()
        for row in rows:
            writer.writerow(
                {
                    key: json.dumps(value, ensure_ascii=False)
                    if isinstance(value, dict | list)
                    else value
                    for key, value in row.items()
                }
            )
    return path


def test_csv_loads_the_same_products_as_jsonl(engine: Engine, tmp_path: Path) -> None:
    rows = [CRISPER, TEA, KETTLE]
    from_csv = ingest_catalog(engine, write_csv(tmp_path / "catalog.csv", rows))
    assert (from_csv.added, from_csv.rejected) == (3, 0)
    assert load(engine, "zh-3f2a").attributes == {"material": "绿茶"}
    assert load(engine, "B00545ATZW").stock == 12
    # Same content from JSONL hashes the same: nothing to do.
    from_jsonl = ingest_catalog(engine, write_jsonl(tmp_path / "catalog.jsonl", rows))
    assert (from_jsonl.added, from_jsonl.updated, from_jsonl.unchanged) == (0, 0, 3)


def test_csv_lines_are_numbered_across_quoted_newlines(engine: Engine, tmp_path: Path) -> None:
    path = tmp_path / "catalog.csv"
    path.write_text(
        'sku,title,description,price\nA,Kettle,"two\nlines",10\nB,Pot,,-5\nC,Pan,,{bad\n',
        encoding="utf-8",
    )
    report = ingest_catalog(engine, path)
    assert report.added == 1
    assert [(e.line, e.reason) for e in report.errors] == [
        (4, "sku B: price must be >= 0, got -5"),
        (5, "sku C: price must be a number, got '{bad'"),
    ]
    assert load(engine, "A").description == "two\nlines"


def test_csv_without_title_column_is_refused(engine: Engine, tmp_path: Path) -> None:
    path = tmp_path / "catalog.csv"
    path.write_text("sku,name\nA,Kettle\n", encoding="utf-8")
    with pytest.raises(IngestError, match="lacks required column"):
        ingest_catalog(engine, path)


def test_unchanged_lines_are_no_ops(engine: Engine, tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "catalog.jsonl", [CRISPER, TEA])
    ingest_catalog(engine, path)
    stamp = load(engine, "B00545ATZW").updated_at
    report = ingest_catalog(engine, path)
    assert (report.added, report.updated, report.unchanged) == (0, 0, 2)
    assert report.changed_skus == frozenset()
    assert load(engine, "B00545ATZW").updated_at == stamp


def test_update_replaces_fields_and_passages(engine: Engine, tmp_path: Path) -> None:
    ingest_catalog(engine, write_jsonl(tmp_path / "v1.jsonl", [CRISPER, TEA]))
    stamp = load(engine, "B00545ATZW").updated_at
    changed = {**CRISPER, "price": 35.5, "passages": [{"source": "qa", "text": "BPA free"}]}
    report = ingest_catalog(engine, write_jsonl(tmp_path / "v2.jsonl", [changed, TEA]))
    assert (report.added, report.updated, report.unchanged) == (0, 1, 1)
    assert report.changed_skus == {"B00545ATZW"}
    crisper = load(engine, "B00545ATZW")
    assert crisper.price == 35.5
    assert crisper.updated_at > stamp
    assert passages_of(engine, "B00545ATZW") == [("qa", "BPA free", "en")]


def test_delete_missing_removes_absent_products(engine: Engine, tmp_path: Path) -> None:
    ingest_catalog(engine, write_jsonl(tmp_path / "all.jsonl", [CRISPER, TEA, KETTLE]))
    path = write_jsonl(tmp_path / "some.jsonl", [TEA])
    kept = ingest_catalog(engine, path)
    assert kept.deleted == 0 and set(snapshot(engine)["products"]) == {
        "B00545ATZW",
        "zh-3f2a",
        "K-1",
    }

    report = ingest_catalog(engine, path, delete_missing=True)
    assert report.deleted == 2
    assert report.deleted_skus == {"B00545ATZW", "K-1"}
    after = snapshot(engine)
    assert set(after["products"]) == {"zh-3f2a"}
    assert {sku for sku, *_ in after["passages"]} == {"zh-3f2a"}


def test_delete_missing_keeps_products_named_on_rejected_lines(
    engine: Engine, tmp_path: Path
) -> None:
    ingest_catalog(engine, write_jsonl(tmp_path / "all.jsonl", [CRISPER, TEA, KETTLE]))
    bad_price = {**CRISPER, "price": -1}
    report = ingest_catalog(
        engine, write_jsonl(tmp_path / "some.jsonl", [bad_price, TEA]), delete_missing=True
    )
    assert report.rejected == 1 and report.deleted_skus == {"K-1"}
    assert set(snapshot(engine)["products"]) == {"B00545ATZW", "zh-3f2a"}


def test_delete_missing_is_skipped_when_a_rejected_sku_is_unreadable(
    engine: Engine, tmp_path: Path
) -> None:
    ingest_catalog(engine, write_jsonl(tmp_path / "all.jsonl", [CRISPER, TEA, KETTLE]))
    report = ingest_catalog(
        engine, write_jsonl(tmp_path / "some.jsonl", ['{"sku": "B0054', TEA]), delete_missing=True
    )
    assert report.deleted == 0
    assert any("--delete-missing skipped" in note for note in report.notes)
    assert set(snapshot(engine)["products"]) == {"B00545ATZW", "zh-3f2a", "K-1"}


BAD_LINES = [
    ('{"sku": "X1", "title": "a"', "malformed JSON"),
    ('["X1", "a"]', "expected a JSON object, got list"),
    ('{"sku": "X1", "title": "a", "attributes": {"w": NaN}}', "NaN is not a JSON value"),
    ('{"sku": "X1", "title": "a", "price": Infinity}', "Infinity is not a JSON value"),
    ({"title": "no sku"}, "missing sku"),
    ({"sku": "", "title": "empty sku"}, "missing sku"),
    ({"sku": "X1"}, "missing title"),
    ({"sku": "X1", "title": "a", "price": -0.01}, "price must be >= 0"),
    ({"sku": "X1", "title": "a", "price": "cheap"}, "price must be a number"),
    ({"sku": "X1", "title": "a", "price": True}, "price must be a number"),
    ({"sku": "X1", "title": "a", "stock": -1}, "stock must be >= 0"),
    ({"sku": "X1", "title": "a", "stock": 1.5}, "stock must be an integer"),
    ({"sku": "X1", "title": "a", "stock": 2**40}, "stock is too large"),
    ({"sku": "X1", "title": "a", "attributes": ["red"]}, "attributes must be an object"),
    ({"sku": "X1", "title": "a", "attributes": "red"}, "attributes must be an object"),
    ({"sku": "X1", "title": "a", "currency": {"code": "USD"}}, "currency must be a string"),
    ({"sku": "X1", "title": "a", "passages": "nice"}, "passages must be a list"),
    ({"sku": "X1", "title": "a", "passages": [{"source": "qa"}]}, "passages[0].text"),
    ({"sku": "X1", "title": "a", "translations": ["zh"]}, "translations must be an object"),
    ({"sku": "X" * 129, "title": "a"}, "sku is 129 characters long"),
    ({"sku": "X1", "title": "a", "lang": "english!"}, "lang must be a language code"),
]


@pytest.mark.parametrize(("bad", "reason"), BAD_LINES)
def test_a_bad_line_is_reported_and_the_rest_loads(
    engine: Engine, tmp_path: Path, bad: dict[str, Any] | str, reason: str
) -> None:
    path = write_jsonl(tmp_path / "catalog.jsonl", [CRISPER, bad, TEA])
    report = ingest_catalog(engine, path)
    assert (report.added, report.rejected) == (2, 1)
    [error] = report.errors
    assert error.line == 2
    assert reason in error.reason
    assert set(snapshot(engine)["products"]) == {"B00545ATZW", "zh-3f2a"}


def test_duplicate_sku_keeps_the_first_line(engine: Engine, tmp_path: Path) -> None:
    second = {**CRISPER, "title": "second copy"}
    report = ingest_catalog(engine, write_jsonl(tmp_path / "c.jsonl", [CRISPER, TEA, second]))
    assert [(e.line, e.reason) for e in report.errors] == [
        (3, "duplicate sku B00545ATZW, first seen on line 1")
    ]
    assert load(engine, "B00545ATZW").title == CRISPER["title"]


def test_blank_lines_are_skipped_but_counted(engine: Engine, tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "c.jsonl", [CRISPER, "", "   ", '{"sku": 5'])
    report = ingest_catalog(engine, path)
    assert [e.line for e in report.errors] == [4]


def test_one_megabyte_description_loads(engine: Engine, tmp_path: Path) -> None:
    description = ("加厚防烫 " + "stainless steel kettle " * 10) * 4200
    assert len(description.encode("utf-8")) > 1_000_000
    big = {**CRISPER, "description": description}
    report = ingest_catalog(engine, write_jsonl(tmp_path / "big.jsonl", [big, TEA]))
    assert (report.added, report.rejected) == (2, 0)
    assert load(engine, "B00545ATZW").description == description.strip()
    # ... and the same through CSV, whose reader has a small default field limit.
    csv_report = ingest_catalog(engine, write_csv(tmp_path / "big.csv", [big]))
    assert (csv_report.unchanged, csv_report.rejected) == (1, 0)


def test_text_a_database_cannot_hold_is_cleaned(engine: Engine, tmp_path: Path) -> None:
    path = tmp_path / "c.jsonl"
    path.write_text(
        '{"sku": "N1", "title": "nul\\u0000byte", "description": "half \\ud83d pair"}\n',
        encoding="utf-8",
    )
    report = ingest_catalog(engine, path)
    assert report.added == 1
    product = load(engine, "N1")
    assert product.title == "nulbyte"
    assert product.description == "half ? pair"


def test_non_utf8_file_stores_nothing(engine: Engine, tmp_path: Path) -> None:
    ingest_catalog(engine, write_jsonl(tmp_path / "v1.jsonl", [CRISPER]))
    before = snapshot(engine)
    path = tmp_path / "latin1.jsonl"
    good = json.dumps({**CRISPER, "price": 1.0}) + "\n" + json.dumps(TEA) + "\n"
    path.write_bytes(good.encode("utf-8") + '{"sku": "L1", "title": "Café"}\n'.encode("latin-1"))
    with pytest.raises(IngestError) as caught:
        ingest_catalog(engine, path)
    message = str(caught.value)
    offset = len(good.encode("utf-8")) + len('{"sku": "L1", "title": "Caf')
    assert "latin1.jsonl" in message
    assert f"byte 0xe9 at byte offset {offset} (line 3)" in message
    assert snapshot(engine) == before


def test_utf16_file_is_named_as_such(engine: Engine, tmp_path: Path) -> None:
    path = tmp_path / "c.jsonl"
    path.write_text(json.dumps(CRISPER), encoding="utf-16")
    with pytest.raises(IngestError, match="UTF-16"):
        ingest_catalog(engine, path)


def test_utf8_bom_is_accepted(engine: Engine, tmp_path: Path) -> None:
    path = tmp_path / "c.csv"
    path.write_text("sku,title\nA,Kettle\n", encoding="utf-8-sig")
    assert ingest_catalog(engine, path).added == 1


@pytest.mark.parametrize("content", ["", "\n\n  \n"])
def test_empty_file_changes_nothing(engine: Engine, tmp_path: Path, content: str) -> None:
    ingest_catalog(engine, write_jsonl(tmp_path / "v1.jsonl", [CRISPER, TEA]))
    before = snapshot(engine)
    path = tmp_path / "empty.jsonl"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(IngestError, match="no records") as caught:
        ingest_catalog(engine, path, delete_missing=True)
    assert "refuses to delete every product" in str(caught.value)
    assert snapshot(engine) == before


def test_strict_rejects_the_whole_file(engine: Engine, tmp_path: Path) -> None:
    ingest_catalog(engine, write_jsonl(tmp_path / "v1.jsonl", [CRISPER]))
    before = snapshot(engine)
    rows: list[dict[str, Any] | str] = [{**CRISPER, "price": 1.0}, TEA, {"sku": "X", "price": -1}]
    path = write_jsonl(tmp_path / "v2.jsonl", rows)
    with pytest.raises(RejectedFile, match="nothing was stored") as caught:
        ingest_catalog(engine, path, strict=True, delete_missing=True)
    assert [e.line for e in caught.value.report.errors] == [3]
    assert snapshot(engine) == before


def test_unsupported_or_missing_file(engine: Engine, tmp_path: Path) -> None:
    with pytest.raises(IngestError, match="no such file"):
        ingest_catalog(engine, tmp_path / "absent.jsonl")
    xlsx = tmp_path / "catalog.xlsx"
    xlsx.write_bytes(b"PK")
    with pytest.raises(IngestError, match="unsupported file type"):
        ingest_catalog(engine, xlsx)


def test_a_crash_midway_leaves_the_stored_catalog_intact(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ingest_catalog(engine, write_jsonl(tmp_path / "v1.jsonl", [CRISPER, TEA]))
    before = snapshot(engine)
    monkeypatch.setattr(products_module, "BATCH", 2)
    real_upsert = products_module._upsert
    calls = 0

    def upsert_then_crash(*args: Any, **kwargs: Any) -> None:
        nonlocal calls
        calls += 1
        if calls == 2:
            raise RuntimeError("power cut")
        real_upsert(*args, **kwargs)

    monkeypatch.setattr(products_module, "_upsert", upsert_then_crash)
    rows: list[dict[str, Any] | str] = [
        {**CRISPER, "price": 1.0},
        {**TEA, "price": 2.0},
        {"sku": "N1", "title": "new"},
    ]
    with pytest.raises(RuntimeError, match="power cut"):
        ingest_catalog(engine, write_jsonl(tmp_path / "v2.jsonl", rows), delete_missing=True)
    assert calls == 2
    assert snapshot(engine) == before


# One backend is enough for the size; the other tests cover PostgreSQL.
@pytest.mark.parametrize("engine", ["sqlite"], indirect=True)
def test_real_catalog_loads_when_present(engine: Engine) -> None:
    path = (
        Path(__file__).resolve().parents[3] / "shared" / "data" / "en_product_qa" / "catalog.jsonl"
    )
    if not path.exists():
        pytest.skip(f"development data not present at {path}")
    report = ingest_catalog(engine, path)
    assert report.rejected == 0
    assert report.added == len(report.changed_skus) > 1000
    again = ingest_catalog(engine, path)
    assert (again.added, again.updated, again.unchanged) == (0, 0, report.added)
