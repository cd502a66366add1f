"""FAISS side: exact vs IVF by size and by setting, removal, filtered search, rebuilds."""

from __future__ import annotations

import numpy as np
import pytest

from retrieval.dense import DenseIndex, choose_kind, ivf_nlist, ivf_nprobe
from retrieval.errors import IndexCorrupt
from retrieval.index import HybridIndex, IndexParams
from tests.retrieval.fakes import HashEmbedder, add_passages, product


def _unit(rng: np.random.Generator, n: int, dim: int) -> np.ndarray:
    # Clustered data, as real embeddings are: IVF lists then mean something.
    centres = rng.normal(size=(16, dim))
    x = centres[rng.integers(0, 16, n)] + 0.3 * rng.normal(size=(n, dim))
    return (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)


def test_kind_follows_size_unless_forced() -> None:
    assert choose_kind(10, "auto", 1000) == "exact"
    assert choose_kind(1000, "auto", 1000) == "ivf"
    assert choose_kind(10, "ivf", 1000) == "ivf"
    assert choose_kind(10**6, "exact", 1000) == "exact"


def test_ivf_lists_grow_with_size_and_probes_scan_a_fixed_share() -> None:
    assert ivf_nlist(1000) == 16
    assert ivf_nlist(100_000) == 1024
    assert ivf_nlist(1_000_000) == 4096
    # about 16k vectors scanned: fewer lists the more vectors each holds
    assert ivf_nprobe(4096, 1_000_000) == 67
    assert ivf_nprobe(1024, 100_000) == 168
    assert ivf_nprobe(1024, 1_000) == 1024
    assert ivf_nprobe(4096, 100_000_000) == 16
    assert ivf_nprobe(1024, 100_000, setting=5) == 5


def test_exact_search_removal_and_filter() -> None:
    rng = np.random.default_rng(0)
    x = _unit(rng, 200, 16)
    index = DenseIndex(16)
    index.add(list(range(200)), x)
    rows, scores = index.search(x[7], 3)
    assert rows[0] == 7 and scores[0] == pytest.approx(1.0, abs=1e-3)
    index.remove([7])
    rows, _ = index.search(x[7], 3)
    assert 7 not in rows
    allowed = np.zeros(200, dtype=bool)
    allowed[[11, 12, 150]] = True
    rows, _ = index.search(x[7], 10, allowed)
    assert set(rows) == {11, 12, 150}


def test_ivf_finds_what_exact_finds_and_supports_removal() -> None:
    rng = np.random.default_rng(1)
    x = _unit(rng, 3000, 16)
    exact = DenseIndex(16)
    exact.add(list(range(3000)), x)
    ivf = DenseIndex(16)
    ivf.add(list(range(3000)), x)
    ivf.rebuild("ivf")
    assert ivf.kind == "ivf" and ivf.nlist >= 16 and ivf.ntotal == 3000
    queries = _unit(rng, 50, 16)
    overlap = [len(set(exact.search(q, 10)[0]) & set(ivf.search(q, 10)[0])) / 10 for q in queries]
    assert np.mean(overlap) > 0.9
    # It fetches more than k to rescore exactly, but returns k, best first.
    rows, scores = ivf.search(queries[0], 10)
    assert len(rows) == 10 and np.all(np.diff(scores) <= 0)
    ivf.remove([5, 6])
    assert ivf.ntotal == 2998
    assert 5 not in ivf.search(x[5], 5)[0]
    # Rows keep their ids after a removal (no shift onto a neighbour's id).
    for row in (4, 7, 100, 2999):
        assert ivf.search(x[row], 1)[0][0] == row
    allowed = np.zeros(3000, dtype=bool)
    allowed[[100, 2000]] = True
    rows, _ = ivf.search(x[100], 5, allowed)
    assert 100 in rows and set(rows) <= {100, 2000}


def test_rebuild_renumbers_rows() -> None:
    rng = np.random.default_rng(2)
    x = _unit(rng, 5, 8)
    index = DenseIndex(8)
    index.add([0, 1, 2, 3, 4], x)
    index.remove([1, 3])
    index.rebuild("exact", mapping=np.array([0, -1, 1, -1, 2]))
    rows, _ = index.search(x[4], 1)
    assert list(rows) == [2]
    np.testing.assert_allclose(index.exact_scores(x[2], np.array([1])), [1.0], atol=1e-3)


def test_state_round_trip_and_corruption() -> None:
    rng = np.random.default_rng(3)
    x = _unit(rng, 1000, 8)
    index = DenseIndex(8, nprobe_setting=4)
    index.add(list(range(1000)), x)
    index.rebuild("ivf")
    state, meta = index.to_state(), index.meta()
    again = DenseIndex.from_state(state, meta, nprobe_setting=4)
    assert again.kind == "ivf" and again.nprobe == 4
    np.testing.assert_array_equal(again.search(x[3], 5)[0], index.search(x[3], 5)[0])
    broken = dict(state)
    broken["faiss"] = np.frombuffer(b"not a faiss index", dtype=np.uint8)
    with pytest.raises(IndexCorrupt):
        DenseIndex.from_state(broken, meta)


def _hybrid(n_products: int, params: IndexParams) -> HybridIndex:
    embedder = HashEmbedder(16)
    index = HybridIndex(embedder.dimension, embedder.name, params)
    add_passages(
        index,
        [product(f"s{i}", f"product number {i} model x{i % 97}") for i in range(n_products)],
        embedder,
    )
    return index


def test_hybrid_index_switches_to_ivf_past_the_threshold() -> None:
    assert _hybrid(300, IndexParams(kind="auto", ivf_threshold=700)).dense.kind == "exact"
    assert _hybrid(800, IndexParams(kind="auto", ivf_threshold=700)).dense.kind == "ivf"


def test_kind_setting_overrides_size() -> None:
    assert _hybrid(800, IndexParams(kind="exact", ivf_threshold=700)).dense.kind == "exact"
    assert _hybrid(700, IndexParams(kind="ivf", ivf_threshold=10**6)).dense.kind == "ivf"
    # Too few vectors to train lists: an IVF request stays exact rather than fail.
    assert _hybrid(50, IndexParams(kind="ivf")).dense.kind == "exact"
