"""Read-only replicas follow the index a build job publishes: new products appear, deleted ones
disappear, searches in flight finish on their index, and a broken version is never served."""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from numpy.typing import NDArray

from bot.workspace import Workspace, open_workspace
from catalog.ingest import ingest_catalog
from catalog.settings import CatalogSettings
from retrieval.errors import RetrievalError
from retrieval.index_store import CURRENT
from retrieval.settings import RetrievalSettings
from retrieval.types import EmbedKind
from tests.retrieval.fakes import HashEmbedder

KETTLE = {"sku": "K-1", "title": "stainless steel electric kettle", "price": 39.0, "stock": 4}
TEAPOT = {"sku": "T-1", "title": "blue porcelain teapot", "price": 25.0, "stock": 2}
GRINDER = {"sku": "G-1", "title": "burr coffee grinder", "price": 89.0, "stock": 7}


class GatedEmbedder(HashEmbedder):
    """Holds a query's embedding until released, to keep a search in flight."""

    def __init__(self) -> None:
        super().__init__()
        self.hold = threading.Event()
        self.entered = threading.Event()
        self.release = threading.Event()

    def encode(self, texts: list[str], kind: EmbedKind = "passage") -> NDArray[np.float32]:
        if kind == "query" and self.hold.is_set():
            self.entered.set()
            assert self.release.wait(10)
        return super().encode(texts, kind)


def publish(data_dir: Path, products: list[dict[str, object]]) -> None:
    """A build job: another workspace on the same data directory ingests and saves the index."""
    catalog = data_dir / f"catalog-{time.monotonic_ns()}.jsonl"
    catalog.write_text("".join(json.dumps(p) + "\n" for p in products))
    job = open_workspace(
        CatalogSettings(data_dir=data_dir),
        RetrievalSettings(data_dir=data_dir),
        embedder_factory=lambda _settings: HashEmbedder(),
    )
    try:
        ingest_catalog(job.engine, catalog, delete_missing=True)
        _ = job.retriever  # opening catches up with the database and saves a new generation
    finally:
        job.close()


def replica(data_dir: Path, reload_s: float, embedder: HashEmbedder) -> Workspace:
    return open_workspace(
        CatalogSettings(data_dir=data_dir),
        RetrievalSettings(data_dir=data_dir, index_reload_s=reload_s),
        embedder_factory=lambda _settings: embedder,
    )


def skus(workspace: Workspace, query: str) -> set[str]:
    return {h.passage.sku or "" for h in workspace.retriever.search(query, k=5)}


@pytest.fixture
def data_dir(tmp_path: Path) -> Iterator[Path]:
    publish(tmp_path, [KETTLE, TEAPOT])
    yield tmp_path


def test_a_replica_picks_up_a_new_version_without_a_restart(data_dir: Path) -> None:
    serving = replica(data_dir, 0.1, HashEmbedder())
    try:
        assert "K-1" in skus(serving, "electric kettle")
        assert "G-1" not in skus(serving, "coffee grinder")
        publish(data_dir, [KETTLE, GRINDER])  # the teapot is gone, the grinder is new
        deadline = time.monotonic() + 5
        assert serving.reloader is not None
        while serving.reloader.reloads < 1:
            assert time.monotonic() < deadline, "the watcher did not load the new version"
            time.sleep(0.05)
        assert "G-1" in skus(serving, "coffee grinder")
        assert "T-1" not in skus(serving, "blue porcelain teapot")
        assert "K-1" in skus(serving, "electric kettle")
    finally:
        serving.close()
    assert not any(p.name.startswith(".tmp-") for p in (data_dir / "index").iterdir())


def test_a_search_in_flight_finishes_on_the_index_it_started_with(data_dir: Path) -> None:
    embedder = GatedEmbedder()
    serving = replica(data_dir, 3600, embedder)  # the test checks the pointer itself
    try:
        retriever = serving.retriever
        embedder.hold.set()
        results: list[set[str]] = []
        search = threading.Thread(
            target=lambda: results.append(
                {h.passage.sku or "" for h in retriever.search("blue porcelain teapot", k=5)}
            )
        )
        search.start()
        assert embedder.entered.wait(10)
        publish(data_dir, [KETTLE, GRINDER])
        assert serving.reloader is not None and serving.reloader.check() == "loaded"
        embedder.hold.clear()
        embedder.release.set()
        search.join(10)
        assert results and "T-1" in results[0], "the search that started on v1 ends on v1"
        assert "T-1" not in skus(serving, "blue porcelain teapot")
    finally:
        serving.close()


def test_a_corrupt_or_half_written_version_is_ignored_and_the_old_one_serves(
    data_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    serving = replica(data_dir, 3600, HashEmbedder())
    index_dir = data_dir / "index"
    try:
        _ = serving.retriever  # loads the published index and starts following it
        reloader = serving.reloader
        assert reloader is not None
        good = reloader.serving
        publish(data_dir, [KETTLE, GRINDER])
        # The new generation's vectors are damaged on disk before the replica reads them.
        generation = index_dir / (index_dir / CURRENT).read_text().strip()
        vectors = max(generation.glob("*.npy"), key=lambda p: p.stat().st_size)
        data = bytearray(vectors.read_bytes())
        data[-8:] = b"\xff" * 8
        vectors.write_bytes(bytes(data))
        with caplog.at_level(logging.ERROR, logger="retrieval.reload"):
            assert reloader.check() == "rejected"
            assert reloader.check() == "unchanged", "a bad version is not re-read every interval"
        assert "checksum" in caplog.text and reloader.serving == good
        assert "T-1" in skus(serving, "blue porcelain teapot")
        assert "G-1" not in skus(serving, "coffee grinder")

        # A version whose copy stopped half way: the manifest names files that are not there.
        half = index_dir / "gen-9999999999999999999-halfway"
        half.mkdir()
        (half / "manifest.json").write_text((generation / "manifest.json").read_text())
        (index_dir / CURRENT).write_text(half.name)
        caplog.clear()
        with caplog.at_level(logging.ERROR, logger="retrieval.reload"):
            assert reloader.check() == "rejected"
        assert half.name in caplog.text and reloader.serving == good
        assert "T-1" in skus(serving, "blue porcelain teapot")

        publish(data_dir, [KETTLE, GRINDER])  # the job runs again and publishes a whole one
        assert reloader.check() == "loaded"
        assert "G-1" in skus(serving, "coffee grinder")
    finally:
        serving.close()


def test_a_replica_refuses_to_start_without_a_published_index(tmp_path: Path) -> None:
    empty = replica(tmp_path, 1.0, HashEmbedder())
    try:
        with pytest.raises(RetrievalError, match="kefu index build"):
            _ = empty.retriever
        assert not (tmp_path / "index" / CURRENT).exists(), "a replica never builds the index"
    finally:
        empty.close()


def test_a_replica_refuses_an_index_built_with_another_embedder(data_dir: Path) -> None:
    other = replica(data_dir, 1.0, HashEmbedder(name="another-model"))
    try:
        with pytest.raises(RetrievalError, match="another-model"):
            _ = other.retriever
    finally:
        other.close()
