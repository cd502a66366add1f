"""The index and the catalog database: build, incremental updates, persistence, recovery."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pytest
from numpy.typing import NDArray
from sqlalchemy import Engine

from catalog.db import create_db_engine, init_schema
from catalog.ingest import ingest_catalog, ingest_documents
from retrieval.hybrid import HybridRetriever
from retrieval.index import HybridIndex, IndexParams
from retrieval.index_store import CURRENT, load_index
from retrieval.sync import build_index, open_index, save, update_index
from retrieval.types import EmbedKind, SearchFilters
from tests.retrieval.fakes import HashEmbedder

PRODUCTS = [
    {"sku": "hp-1", "title": "Bluetooth noise cancelling headphones", "brand": "Sony",
     "category": "Electronics / Audio", "price": 99.0, "stock": 5, "lang": "en",
     "passages": [{"source": "review", "text": "battery lasts 30 hours"}]},
    {"sku": "sh-1", "title": "Red running shoes", "brand": "Nike", "category": "Sports",
     "price": 59.0, "stock": 0, "lang": "en"},
    {"sku": "zh-1", "title": "多乐士墙面底漆 5升", "brand": "多乐士", "category": "家装 / 油漆",
     "price": 199.0, "stock": 3, "lang": "zh",
     "description": "低气味，适合卧室和客厅墙面。"},
    {"sku": "kt-1", "title": "Electric kettle 1.7 litre", "brand": "Bosch", "category": "Kitchen",
     "price": 35.0, "stock": 8, "translations": {"zh": {"title": "电热水壶 1.7升"}}},
]  # fmt: skip


class CountingEmbedder(HashEmbedder):
    @property
    def texts(self) -> int:
        return sum(n for n, kind in self.calls if kind == "passage")


def _write(path: Path, rows: Sequence[Mapping[str, object]]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), "utf-8")
    return path


@pytest.fixture
def engine(tmp_path: Path) -> Engine:
    engine = create_db_engine(f"sqlite:///{tmp_path / 'kefu.db'}")
    init_schema(engine)
    ingest_catalog(engine, _write(tmp_path / "catalog.jsonl", PRODUCTS))
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "returns.md").write_text("# Returns\n\nReturn any item within 30 days for a refund.\n")
    ingest_documents(engine, docs)
    return engine


def _search(index: HybridIndex, query: str, k: int = 10, **filters: object) -> list[str]:
    retriever = HybridRetriever(index, HashEmbedder())
    hits = retriever.search(query, k, SearchFilters(**filters))  # type: ignore[arg-type]
    return [h.passage.citation for h in hits]


def test_build_indexes_products_translations_and_documents(engine: Engine) -> None:
    index = build_index(engine, HashEmbedder(), IndexParams())
    assert _search(index, "墙面底漆", 1) == ["zh-1#title"]
    assert _search(index, "电热水壶", 1) == ["kt-1#title"]  # from the zh translation
    assert _search(index, "refund", 1, kinds=("document",)) == ["returns.md#Returns"]
    assert _search(index, "battery", 1) == ["hp-1#review"]
    assert _search(index, "shoes", 5, in_stock=True, brand="nike") == []  # stock 0


class RecordingEmbedder(HashEmbedder):
    def __init__(self) -> None:
        super().__init__()
        self.passage_texts: list[str] = []

    def encode(self, texts: list[str], kind: EmbedKind = "passage") -> NDArray[np.float32]:
        if kind == "passage":
            self.passage_texts.extend(texts)
        return super().encode(texts, kind)


def test_attribute_records_are_searched_as_words_and_cited_as_stored(
    engine: Engine, tmp_path: Path
) -> None:
    record = "item_weight: { unit:pounds, normalized_value:{ unit:pounds, value:0.19 }, value:1 }"
    row = {"sku": "sc-1", "title": "Kitchen scale", "lang": "en",
           "passages": [{"source": "attribute", "text": record}]}  # fmt: skip
    ingest_catalog(engine, _write(tmp_path / "more.jsonl", [row]))
    embedder = RecordingEmbedder()
    index = build_index(engine, embedder, IndexParams())
    assert "item weight: 1 pounds" in embedder.passage_texts
    assert record not in embedder.passage_texts
    # BM25 reads the plain words too: "normalized" is bookkeeping, not a word on the page
    retriever = HybridRetriever(index, HashEmbedder(), IndexParams(mode="lexical"))
    assert retriever.search("normalized value", 5, SearchFilters(sku="sc-1")) == []
    hits = retriever.search("weight in pounds", 5, SearchFilters(sku="sc-1"))
    assert [h.passage.text for h in hits] == [record]  # cited as the catalog holds it


def test_incremental_update_and_delete(engine: Engine, tmp_path: Path) -> None:
    embedder = CountingEmbedder()
    index = build_index(engine, embedder, IndexParams())
    built = embedder.texts
    changed = [dict(p) for p in PRODUCTS if p["sku"] != "sh-1"]  # sh-1 goes
    changed[0]["price"] = 19.0  # hp-1: price only, no new text
    changed[0]["stock"] = 0
    changed[1]["title"] = "多乐士墙面面漆 5升"  # zh-1: new title text
    changed.append({"sku": "nw-1", "title": "Wool winter scarf", "price": 25.0, "stock": 2})
    report = ingest_catalog(engine, _write(tmp_path / "v2.jsonl", changed), delete_missing=True)
    assert report.deleted_skus == {"sh-1"} and {"hp-1", "zh-1", "nw-1"} <= report.changed_skus
    result = update_index(
        index, engine, embedder, changed_skus=report.changed_skus, deleted_skus=report.deleted_skus
    )
    assert result.removed_groups == 1 and not result.rebuilt
    assert embedder.texts - built == 2  # zh-1's new title and nw-1's title, nothing else
    # The deleted product is never returned again, whatever the query or filter.
    assert not any(c.startswith("sh-1") for c in _search(index, "red running shoes", 50))
    assert _search(index, "shoes", 5, sku="sh-1") == []
    assert "sh-1#title" not in _search(index, "shoes", 50, kinds=("product",))
    # Filter metadata follows the re-ingest.
    assert _search(index, "headphones", 5, max_price=20.0)[0] == "hp-1#title"
    assert not any(c.startswith("hp-1") for c in _search(index, "headphones", 20, in_stock=True))
    assert _search(index, "墙面面漆", 1) == ["zh-1#title"]
    assert _search(index, "scarf", 1) == ["nw-1#title"]
    assert "sku:sh-1" not in index.versions


def test_document_updates_replace_old_text(engine: Engine, tmp_path: Path) -> None:
    embedder = HashEmbedder()
    index = build_index(engine, embedder, IndexParams())
    (tmp_path / "docs" / "returns.md").write_text("# Returns\n\nNo returns on gift cards.\n")
    (tmp_path / "docs" / "shipping.md").write_text("# Shipping\n\nFree shipping over 99.\n")
    report = ingest_documents(engine, tmp_path / "docs")
    update_index(
        index, engine, embedder,
        changed_document_ids=report.changed_passage_ids,
        deleted_document_ids=report.deleted_passage_ids,
    )  # fmt: skip
    hits = _search(index, "returns gift cards refund", 10, kinds=("document",))
    assert set(hits) == {"returns.md#Returns", "shipping.md#Shipping"}
    retriever = HybridRetriever(index, embedder)
    texts = [h.passage.text for h in retriever.search("refund", 10)]
    assert not any("within 30 days" in t for t in texts)


def test_saved_index_loads_without_embedding_anything(engine: Engine, tmp_path: Path) -> None:
    directory = tmp_path / "index"
    first, report = open_index(engine, CountingEmbedder(), directory, IndexParams())
    assert report.rebuilt and report.reason == "missing"
    assert (directory / CURRENT).exists()
    again = CountingEmbedder()
    second, report = open_index(engine, again, directory, IndexParams())
    assert not report.changed and again.texts == 0
    assert second.n_passages == first.n_passages
    assert _search(second, "墙面底漆", 3) == _search(first, "墙面底漆", 3)
    sony = {"brand": "sony"}
    assert _search(second, "headphones", 3, **sony) == _search(first, "headphones", 3, **sony)


def test_stale_index_catches_up_with_the_database(engine: Engine, tmp_path: Path) -> None:
    directory = tmp_path / "index"
    open_index(engine, HashEmbedder(), directory, IndexParams())
    # The catalog changes while nothing holds the index (another process ingested).
    rows = [dict(p) for p in PRODUCTS if p["sku"] != "kt-1"]
    rows[1]["price"] = 5.0
    ingest_catalog(engine, _write(tmp_path / "v2.jsonl", rows), delete_missing=True)
    embedder = CountingEmbedder()
    index, report = open_index(engine, embedder, directory, IndexParams())
    assert not report.rebuilt
    assert report.updated_groups == 1 and report.removed_groups == 1
    assert embedder.texts == 0  # a price change and a deletion embed nothing
    assert _search(index, "shoes", 1, max_price=6.0) == ["sh-1#title"]
    assert not any(c.startswith("kt-1") for c in _search(index, "kettle 电热水壶", 20))
    # The caught-up index was saved: the next start has nothing to do.
    _, report = open_index(engine, HashEmbedder(), directory, IndexParams())
    assert not report.changed


def _generation(directory: Path) -> Path:
    return directory / (directory / CURRENT).read_text().strip()


@pytest.mark.parametrize("damage", ["flip", "truncate", "delete", "manifest", "pointer"])
def test_corrupt_index_is_detected_and_rebuilt(engine: Engine, tmp_path: Path, damage: str) -> None:
    directory = tmp_path / "index"
    open_index(engine, HashEmbedder(), directory, IndexParams())
    generation = _generation(directory)
    victim = generation / "dense.vectors.npy"
    if damage == "flip":
        data = bytearray(victim.read_bytes())
        data[-1] ^= 0xFF
        victim.write_bytes(bytes(data))
    elif damage == "truncate":
        victim.write_bytes(victim.read_bytes()[:50])
    elif damage == "delete":
        victim.unlink()
    elif damage == "manifest":
        (generation / "manifest.json").write_text("{not json")
    else:
        (directory / CURRENT).write_text("gen-that-does-not-exist")
    index, report = open_index(engine, HashEmbedder(), directory, IndexParams())
    assert report.rebuilt and report.reason.startswith("corrupt")
    assert _search(index, "墙面底漆", 1) == ["zh-1#title"]
    assert load_index(directory, IndexParams()) is not None  # the rebuilt one was saved


def test_a_crash_mid_write_leaves_the_previous_index(engine: Engine, tmp_path: Path) -> None:
    directory = tmp_path / "index"
    embedder = HashEmbedder()
    index, _ = open_index(engine, embedder, directory, IndexParams())
    live = _generation(directory)
    # A writer died after some files: a temporary directory and no switch of CURRENT.
    (directory / ".tmp-crashed").mkdir()
    (directory / ".tmp-crashed" / "dense.vectors.npy").write_bytes(b"\x93NUMPY partial")
    stored = load_index(directory, IndexParams())
    assert stored is not None and stored.path == live
    assert stored.index.n_passages == index.n_passages
    # Saving again publishes a new generation and keeps the previous one for readers.
    newer = save(index, embedder, directory)
    assert _generation(directory) == newer and live.exists()
    save(index, embedder, directory)
    assert not live.exists()  # only one previous generation is kept


def test_another_embedder_means_a_rebuild(engine: Engine, tmp_path: Path) -> None:
    directory = tmp_path / "index"
    open_index(engine, HashEmbedder(32, name="one"), directory, IndexParams())
    index, report = open_index(engine, HashEmbedder(48, name="two"), directory, IndexParams())
    assert report.rebuilt and index.dim == 48 and index.embedder_name == "two"


def test_index_kind_setting_applies_to_a_loaded_index(engine: Engine, tmp_path: Path) -> None:
    rows = [{"sku": f"x{i}", "title": f"widget model {i} size {i % 13}"} for i in range(700)]
    ingest_catalog(engine, _write(tmp_path / "many.jsonl", rows))
    directory = tmp_path / "index"
    exact, _ = open_index(engine, HashEmbedder(), directory, IndexParams(kind="exact"))
    assert exact.dense.kind == "exact"
    ivf, report = open_index(engine, HashEmbedder(), directory, IndexParams(kind="ivf"))
    assert ivf.dense.kind == "ivf" and not report.rebuilt
    assert _search(ivf, "widget model 5", 1)[0] == "x5#title"
    reloaded = load_index(directory, IndexParams(kind="ivf"))
    assert reloaded is not None and reloaded.index.dense.kind == "ivf"


def test_workspace_opens_searches_and_follows_ingests(tmp_path: Path) -> None:
    from bot.workspace import open_workspace
    from catalog.settings import CatalogSettings
    from retrieval.settings import RetrievalSettings

    catalog = CatalogSettings(data_dir=tmp_path / "ws", database_url="")
    workspace = open_workspace(
        catalog, RetrievalSettings(index_kind="exact"), embedder_factory=lambda s: HashEmbedder()
    )
    try:
        ingest_catalog(workspace.engine, _write(tmp_path / "c.jsonl", PRODUCTS))
        assert workspace.retriever.search("墙面底漆", 1)[0].passage.sku == "zh-1"
        assert (tmp_path / "ws" / "index" / CURRENT).exists()
        report = ingest_catalog(
            workspace.engine, _write(tmp_path / "c2.jsonl", PRODUCTS[:2]), delete_missing=True
        )
        result = workspace.apply_ingest(report)
        assert result.removed_groups == 2
        hits = workspace.retriever.search("墙面底漆 kettle", 20)
        assert not {h.passage.sku for h in hits} & {"zh-1", "kt-1"}
        # What was applied was saved: a fresh start loads it as it is.
        stored = load_index(workspace.index_dir, workspace.params)
        assert stored is not None and "sku:zh-1" not in stored.index.versions
    finally:
        workspace.close()
