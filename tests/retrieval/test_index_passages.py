"""Catalog rows to passages: fields, translations, citations, stable ids, chunks."""

from __future__ import annotations

from catalog.models import DocumentPassage, Product, ProductPassage
from retrieval.passages import CHUNK_CHARS, chunk_text, document_passages, product_passages


def _product(**changes: object) -> Product:
    values: dict[str, object] = {
        "sku": "EA-1", "title": "Aria ANC headphones", "description": "Over-ear. 40 hours.",
        "category": "Electronics / Audio", "brand": "Sonvale", "price": 899.0, "stock": 0,
        "attributes": {"battery_hours": 40, "colour": "black", "empty": ""}, "lang": "en",
        "translations": {"zh": {"title": "Aria 降噪耳机", "description": "头戴式，续航40小时。"}},
    }  # fmt: skip
    values.update(changes)
    return Product(**values)  # type: ignore[arg-type]


def test_every_field_and_translation_becomes_a_cited_passage() -> None:
    extra = [ProductPassage(sku="EA-1", position=0, source="review", text="Great on flights")]
    passages = product_passages(_product(), extra)
    by_citation = {(p.citation, p.lang): p for p in passages}
    assert set(by_citation) == {
        ("EA-1#title", "en"), ("EA-1#description", "en"), ("EA-1#attributes", "en"),
        ("EA-1#review", "en"), ("EA-1#title", "zh"), ("EA-1#description", "zh"),
    }  # fmt: skip
    assert by_citation[("EA-1#attributes", "en")].text == "battery hours: 40; colour: black"
    title = by_citation[("EA-1#title", "en")]
    assert (title.category, title.brand, title.price, title.in_stock) == (
        "Electronics / Audio", "Sonvale", 899.0, False,
    )  # fmt: skip


def test_ids_are_stable_and_change_only_with_the_text() -> None:
    first = {p.citation + p.lang: p.passage_id for p in product_passages(_product())}
    same = {p.citation + p.lang: p.passage_id for p in product_passages(_product(price=1.0))}
    assert first == same
    retitled = {p.citation + p.lang: p.passage_id for p in product_passages(_product(title="X"))}
    assert retitled["EA-1#titleen"] != first["EA-1#titleen"]
    assert retitled["EA-1#descriptionen"] == first["EA-1#descriptionen"]


def test_language_is_detected_when_not_given() -> None:
    passages = product_passages(_product(lang="", title="多乐士墙面底漆", description="Low odour"))
    langs = {p.field: p.lang for p in passages if p.field in ("title", "description")}
    assert langs["title"] == "zh"


def test_duplicates_and_empty_fields_are_dropped() -> None:
    extra = [
        ProductPassage(sku="EA-1", position=i, source="qa", text="Yes it folds") for i in range(3)
    ]
    passages = product_passages(_product(description="", attributes={}, translations={}), extra)
    assert [p.field for p in passages] == ["title", "qa"]


def test_long_descriptions_are_cut_at_sentence_ends() -> None:
    sentence = "This sentence is about forty characters. "
    chunks = chunk_text(sentence * 60)
    assert len(chunks) > 1 and all(len(c) <= CHUNK_CHARS for c in chunks)
    assert all(c.endswith(".") for c in chunks)
    assert chunk_text("x" * 2000, 800) == ["x" * 800, "x" * 800, "x" * 400]
    long_review = ProductPassage(sku="EA-1", source="review", text=sentence * 30)
    reviews = [p for p in product_passages(_product(), [long_review]) if p.field == "review"]
    assert len(reviews) == 1  # a shop's own passage stays whole below the embedder's limit


def test_document_passage_cites_file_and_heading() -> None:
    doc = DocumentPassage(path="returns.zh.md", heading="退货", position=2, text="30天内可退货。")
    (passage,) = document_passages(doc)
    assert passage.citation == "returns.zh.md#退货"
    assert passage.text.startswith("退货")  # the heading names the topic, so it is embedded too
    assert passage.lang == "zh" and passage.kind == "document"
