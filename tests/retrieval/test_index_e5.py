"""The hybrid index with the real packaged multilingual E5, alone and joined to the
English MiniLM as `kefu` ships it (slow: loads the models)."""

from __future__ import annotations

from pathlib import Path

import pytest

from retrieval.embedder import load_embedder
from retrieval.hybrid import HybridRetriever
from retrieval.index import GroupUpdate, HybridIndex
from retrieval.paired import PairedEmbedder
from retrieval.settings import RetrievalSettings
from retrieval.types import Embedder, Passage, SearchFilters
from tests.retrieval.fakes import document, product

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def shipped_embedder(
    packaged_models_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> Embedder:
    """What `load_embedder` gives by default on a CPU: the pair, with int8 queries."""
    data_dir = tmp_path_factory.mktemp("shipped")
    (data_dir / "models").symlink_to(packaged_models_dir)  # models assembled once per run
    embedder = load_embedder(RetrievalSettings(data_dir=data_dir))
    assert isinstance(embedder, PairedEmbedder)
    return embedder


@pytest.fixture(params=["e5", "e5+minilm", "shipped"])
def embedder(request: pytest.FixtureRequest, e5_embedder: Embedder) -> Embedder:
    if request.param == "e5":
        return e5_embedder
    if request.param == "shipped":
        shipped: Embedder = request.getfixturevalue("shipped_embedder")
        return shipped
    return PairedEmbedder(e5_embedder, request.getfixturevalue("minilm_embedder"), 0.25)


CATALOG = [
    product("zh-hp", "华为无线蓝牙降噪耳机，续航30小时", category="数码 / 耳机", price=599.0),
    product("zh-pt", "多乐士墙面底漆 5升 白色", category="家装 / 油漆", price=199.0),
    product("en-kt", "Stainless steel electric kettle, 1.7 litres", category="Kitchen", price=35.0),
    product("en-sh", "Men's trail running shoes, waterproof", category="Sports", price=89.0),
    product("en-sh", "Great grip on wet rocks, my feet stayed dry.", field="review",
            category="Sports", price=89.0),
    document("returns.en.md", "Returns", "Unused items can be returned within 30 days."),
    document("returns.zh.md", "退货", "未使用的商品可在30天内退货。", position=1),
]  # fmt: skip


def _index(embedder: Embedder, passages: list[Passage]) -> HybridRetriever:
    index = HybridIndex(embedder.dimension, embedder.name)
    groups: dict[str, list[Passage]] = {}
    for p in passages:
        groups.setdefault(p.sku or p.passage_id, []).append(p)
    updates = [GroupUpdate(g, "1", tuple(ps)) for g, ps in groups.items()]
    todo = index.needs_vectors(updates)
    vectors = embedder.encode([p.text for p in todo], kind="passage")
    index.apply(updates, {p.passage_id: v for p, v in zip(todo, vectors, strict=True)})
    return HybridRetriever(index, embedder)


def test_e5_finds_products_in_both_languages(embedder: Embedder) -> None:
    retriever = _index(embedder, CATALOG)
    assert retriever.search("墙面底漆", k=1)[0].passage.sku == "zh-pt"
    assert retriever.search("降噪耳机", k=1)[0].passage.sku == "zh-hp"
    assert retriever.search("kettle for boiling water", k=1)[0].passage.sku == "en-kt"
    products = retriever.search_products("waterproof shoes for hiking", k=2)
    assert products[0].sku == "en-sh"


def test_e5_dense_side_crosses_languages(embedder: Embedder) -> None:
    dense = _index(embedder, CATALOG).with_params(mode="dense")
    hits = dense.search("wireless noise cancelling headphones", k=1, filters=SearchFilters(
        kinds=("product",), lang="zh"))  # fmt: skip
    assert hits[0].passage.sku == "zh-hp"
    policy = dense.search("怎么退货", k=1, filters=SearchFilters(kinds=("document",)))
    assert policy[0].passage.doc_path == "returns.zh.md"


def test_e5_in_product_search_ranks_the_answering_passage(embedder: Embedder) -> None:
    sizes = product("en-sh", "Available in sizes 7 to 13, in grey or blue.", field="bullet",
                    category="Sports", price=89.0)  # fmt: skip
    retriever = _index(embedder, [*CATALOG, sizes])
    hits = retriever.search("do they keep water out?", k=3, filters=SearchFilters(sku="en-sh"))
    # The title ("waterproof") and the review ("my feet stayed dry") both answer, with no
    # word in common with the question; the sizes do not.
    assert [h.passage.field for h in hits][-1] == "bullet"
    hits = retriever.search("which colours can I get?", k=1, filters=SearchFilters(sku="en-sh"))
    assert hits[0].passage.field == "bullet"
