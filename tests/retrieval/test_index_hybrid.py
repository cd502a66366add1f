"""Hybrid search over products and documents: languages, filters, fusion, products, async."""

from __future__ import annotations

import asyncio
import threading
import time
from dataclasses import replace

import numpy as np
import pytest

from retrieval.fusion import normalised_score_fusion, reciprocal_rank_fusion
from retrieval.hybrid import HybridRetriever
from retrieval.index import GroupUpdate, IndexParams
from retrieval.types import Hit, Passage, SearchFilters
from tests.retrieval.fakes import HashEmbedder, document, index_of, product

CATALOG = [
    product("hp-1", "Bluetooth noise cancelling headphones", category="Electronics / Audio",
            brand="Sony", price=99.0, in_stock=True),
    product("hp-1", "Battery lasts 30 hours on one charge", field="review",
            category="Electronics / Audio", brand="Sony", price=99.0, in_stock=True),
    product("hp-2", "Wired studio headphones", category="Electronics / Audio", brand="AKG",
            price=49.0, in_stock=False),
    product("sh-1", "Red running shoes", category="Sports / Shoes", brand="Nike", price=59.0,
            in_stock=True),
    product("zh-1", "多乐士墙面底漆 5升 白色", category="家装 / 油漆", brand="多乐士", price=199.0,
            in_stock=True),
    product("zh-2", "蓝牙降噪耳机 续航30小时", category="数码 / 耳机", brand="华为", price=599.0,
            in_stock=True),
    product("nopr", "Gift card for any occasion"),
    document("returns.md", "Returns", "You can return any item within 30 days for a refund."),
    document("shipping.zh.md", "配送", "订单满99元包邮，一般3天内发货。"),
]  # fmt: skip


@pytest.fixture
def retriever() -> HybridRetriever:
    return HybridRetriever(index_of(CATALOG, HashEmbedder(128)), HashEmbedder(128))


def _skus(hits: list[Hit]) -> list[str | None]:
    return [h.passage.sku for h in hits]


def test_chinese_query_finds_the_chinese_product(retriever: HybridRetriever) -> None:
    hits = retriever.search("墙面底漆", k=3)
    assert hits[0].passage.sku == "zh-1"
    assert hits[0].lexical_score and hits[0].lexical_score > 0
    assert retriever.search("降噪耳机", k=1)[0].passage.sku == "zh-2"


def test_english_query_finds_the_english_product(retriever: HybridRetriever) -> None:
    assert retriever.search("noise cancelling headphones", k=1)[0].passage.sku == "hp-1"


def test_documents_are_searched_with_products_and_cite_file_and_heading(
    retriever: HybridRetriever,
) -> None:
    hit = retriever.search("return an item for a refund", k=1)[0]
    assert hit.passage.kind == "document"
    assert hit.passage.citation == "returns.md#Returns"
    zh = retriever.search("包邮 发货", k=1)[0]
    assert zh.passage.citation == "shipping.zh.md#配送"


def test_product_hits_cite_sku_and_field(retriever: HybridRetriever) -> None:
    hit = retriever.search("battery hours", k=1)[0]
    assert hit.passage.citation == "hp-1#review"
    assert hit.dense_score is not None and hit.lexical_score is not None


@pytest.mark.parametrize(
    ("filters", "allowed"),
    [
        (SearchFilters(category="electronics"), {"hp-1", "hp-2"}),
        (SearchFilters(category="Electronics / Audio"), {"hp-1", "hp-2"}),
        (SearchFilters(category="家装"), {"zh-1"}),
        (SearchFilters(brand="sony"), {"hp-1"}),
        (SearchFilters(brand="多乐士"), {"zh-1"}),
        (SearchFilters(min_price=50, max_price=100), {"hp-1", "sh-1"}),
        (SearchFilters(min_price=500), {"zh-2"}),
        (SearchFilters(max_price=50), {"hp-2"}),
        (SearchFilters(in_stock=True), {"hp-1", "sh-1", "zh-1", "zh-2"}),
        (SearchFilters(in_stock=False), {"hp-2"}),
        (SearchFilters(lang="zh", kinds=("product",)), {"zh-1", "zh-2"}),
        (SearchFilters(sku="sh-1"), {"sh-1"}),
        (SearchFilters(kinds=("product",)), {"hp-1", "hp-2", "sh-1", "zh-1", "zh-2", "nopr"}),
        (SearchFilters(kinds=("document",)), {None}),
    ],
)
def test_each_filter(
    retriever: HybridRetriever, filters: SearchFilters, allowed: set[str | None]
) -> None:
    hits = retriever.search("headphones shoes 耳机 底漆 return", k=20, filters=filters)
    assert hits, filters
    assert set(_skus(hits)) == allowed


def test_language_filter_keeps_documents_in_that_language(retriever: HybridRetriever) -> None:
    hits = retriever.search("发货 耳机", k=20, filters=SearchFilters(lang="zh"))
    assert {h.passage.lang for h in hits} == {"zh"}
    assert any(h.passage.kind == "document" for h in hits)


def test_filter_matching_nothing_returns_nothing(retriever: HybridRetriever) -> None:
    assert retriever.search("headphones", filters=SearchFilters(brand="nobody")) == []
    assert retriever.search("headphones", filters=SearchFilters(sku="missing")) == []
    assert retriever.search("   ") == []


def test_a_narrow_filter_is_scored_exactly_not_taken_from_a_global_top_k() -> None:
    """The page's product is found even when thousands of passages outrank it globally."""
    embedder = HashEmbedder(32)
    crowd = [product(f"c{i}", "usb charging cable 1m") for i in range(3000)]
    target = product("page", "leather wallet with coin pocket")
    index = index_of([*crowd, target], embedder, IndexParams(candidates=20, kind="exact"))
    retriever = HybridRetriever(index, embedder)
    hits = retriever.search("usb cable", k=3, filters=SearchFilters(sku="page"))
    assert [h.passage.passage_id for h in hits] == [target.passage_id]
    assert hits[0].dense_score is not None


def test_on_one_page_a_word_on_every_passage_weighs_little() -> None:
    """The page's own brand is rare in the catalog but tells its passages nothing apart."""
    embedder = HashEmbedder(32)
    crowd = [product(f"c{i}", f"steel pan number {i}") for i in range(40)]
    page = [
        product("page", "zephyr kettle by zephyr, the zephyr classic", field="bullet"),
        product("page", "zephyr kettle with a brushed steel body", field="review"),
    ]
    index = index_of([*crowd, *page], embedder, IndexParams(kind="exact", mode="lexical"))
    on_page = SearchFilters(sku="page")
    scoped = HybridRetriever(index, embedder).search("zephyr steel", k=2, filters=on_page)
    assert scoped[0].passage.field == "review"
    catalog_wide = HybridRetriever(index, embedder, replace(index.params, scoped_idf=False))
    assert catalog_wide.search("zephyr steel", k=2, filters=on_page)[0].passage.field == "bullet"


def test_dense_only_and_lexical_only_modes(retriever: HybridRetriever) -> None:
    dense = retriever.with_params(mode="dense").search("running shoes", k=3)
    assert dense[0].passage.sku == "sh-1" and dense[0].lexical_score is None
    lexical = retriever.with_params(mode="lexical").search("running shoes", k=3)
    assert [h.passage.sku for h in lexical] == ["sh-1"]  # BM25 returns only matching passages
    assert lexical[0].dense_score is None


def test_both_fusions_rank_a_passage_found_by_both_sides_first() -> None:
    dense = np.array([0.9, 0.8, 0.1, 0.5, 0.4])
    lexical = np.array([0.0, 5.0, 7.0, 0.0, 1.0])
    for fused in (
        reciprocal_rank_fusion(dense, lexical, 0.5),
        normalised_score_fusion(dense, lexical, 0.5),
    ):
        assert int(np.argmax(fused)) == 1
    # Weight 1 is dense alone, weight 0 BM25 alone.
    assert int(np.argmax(normalised_score_fusion(dense, lexical, 1.0))) == 0
    assert int(np.argmax(reciprocal_rank_fusion(dense, lexical, 0.0))) == 2


def test_score_fusion_mode_ranks_too(retriever: HybridRetriever) -> None:
    hits = retriever.with_params(fusion="score").search("墙面底漆", k=2)
    assert hits[0].passage.sku == "zh-1"
    assert 0.0 <= hits[-1].score <= hits[0].score <= 1.0


def test_products_are_ranked_by_their_passages(retriever: HybridRetriever) -> None:
    products = retriever.search_products("bluetooth headphones battery", k=3)
    assert products[0].sku == "hp-1"
    assert len({p.sku for p in products}) == len(products) == 3
    assert all(h.passage.kind == "product" for p in products for h in p.hits)
    assert products[0].hits[0].passage.sku == "hp-1"
    priced = retriever.search_products("headphones", k=5, filters=SearchFilters(max_price=60))
    assert {p.sku for p in priced} <= {"hp-2", "sh-1"}


def test_product_search_returns_k_products_even_when_passages_crowd() -> None:
    embedder = HashEmbedder(32)
    passages = [
        product(f"p{i}", f"kettle review number {j} for kettle {i}", field=f"review{j}")
        for i in range(30) for j in range(12)
    ]  # fmt: skip
    retriever = HybridRetriever(index_of(passages, embedder, IndexParams(candidates=10)), embedder)
    products = retriever.search_products("kettle", k=12)
    assert len(products) == 12 and len({p.sku for p in products}) == 12


def test_metadata_update_without_reembedding() -> None:
    embedder = HashEmbedder(32)
    index = index_of(CATALOG, embedder)
    retriever = HybridRetriever(index, embedder)
    cheaper = [replace(p, price=9.0, in_stock=False) for p in CATALOG if p.sku == "hp-1"]
    assert index.needs_vectors([GroupUpdate("sku:hp-1", "v2", tuple(cheaper))]) == []
    index.apply([GroupUpdate("sku:hp-1", "v2", tuple(cheaper))], {})
    hits = retriever.search("headphones", k=10, filters=SearchFilters(max_price=10))
    assert {h.passage.sku for h in hits} == {"hp-1"}
    assert all(h.passage.price == 9.0 for h in hits)
    assert retriever.search("headphones", filters=SearchFilters(in_stock=True, brand="sony")) == []


async def test_async_search_runs_in_worker_threads(retriever: HybridRetriever) -> None:
    loop_thread = threading.get_ident()
    seen: list[int] = []
    real_encode = retriever.embedder.encode

    def encode(texts: list[str], kind: str = "passage") -> np.ndarray:
        seen.append(threading.get_ident())
        time.sleep(0.05)  # a slow model must not hold up the event loop
        return real_encode(texts, kind)  # type: ignore[arg-type]

    retriever.embedder.encode = encode  # type: ignore[method-assign]
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        for _ in range(10):
            await asyncio.sleep(0.01)
            ticks += 1

    results, _ = await asyncio.gather(
        asyncio.gather(*(retriever.asearch("headphones", k=2) for _ in range(4))), ticker()
    )
    products = await retriever.asearch_products("墙面底漆", k=1)
    assert all(r[0].passage.sku in {"hp-1", "hp-2"} for r in results)
    assert products[0].sku == "zh-1"
    assert seen and loop_thread not in seen
    assert ticks == 10  # the loop kept running while searches waited on the model
    retriever.close()


async def test_async_callers_beyond_the_bound_wait_their_turn() -> None:
    embedder = HashEmbedder(16)
    retriever = HybridRetriever(index_of(CATALOG, embedder), embedder, workers=1, max_pending=2)
    running = 0
    peak = 0
    lock = threading.Lock()
    real_encode = embedder.encode

    def encode(texts: list[str], kind: str = "passage") -> np.ndarray:
        nonlocal running, peak
        with lock:
            running += 1
            peak = max(peak, running)
        time.sleep(0.02)
        with lock:
            running -= 1
        return real_encode(texts, kind)  # type: ignore[arg-type]

    embedder.encode = encode  # type: ignore[method-assign]
    results = await asyncio.gather(*(retriever.asearch("shoes", k=1) for _ in range(6)))
    assert len(results) == 6 and peak == 1
    retriever.close()


def test_passages_without_text_are_harmless() -> None:
    embedder = HashEmbedder(16)
    empty = Passage(passage_id="e:title:1", kind="product", text="", sku="e", field="title")
    retriever = HybridRetriever(index_of([*CATALOG, empty], embedder), embedder)
    assert retriever.search("shoes", k=1)[0].passage.sku == "sh-1"


@pytest.mark.parametrize("kind", ["exact", "ivf"])
def test_removing_most_passages_compacts_rows_and_keeps_every_part_in_step(kind: str) -> None:
    embedder = HashEmbedder(32)
    passages = [product(f"p{i}", f"item {i} colour c{i % 7} size s{i % 11}") for i in range(1500)]
    index = index_of(passages, embedder, IndexParams(kind=kind))  # type: ignore[arg-type]
    assert index.table.n_rows == 1500
    index.apply([], {}, removed_groups=[f"sku:p{i}" for i in range(0, 1500, 2)])  # every even one
    assert index.table.n_rows == 750  # dead rows were dropped and the rest renumbered
    assert index.dense.ntotal == index.lexical.n_alive == index.n_passages == 750
    assert index.dense.kind == kind
    retriever = HybridRetriever(index, embedder)
    for i in (1, 7, 777, 1499):
        hits = retriever.search(f"item {i} colour c{i % 7}", k=1)
        assert hits[0].passage.sku == f"p{i}"
        only = retriever.search("item", k=5, filters=SearchFilters(sku=f"p{i}"))
        assert [h.passage.sku for h in only] == [f"p{i}"]
    assert retriever.search("item 8 colour c1", k=1)[0].passage.sku != "p8"
    assert retriever.search("item", k=5, filters=SearchFilters(sku="p8")) == []
