"""Dense vectors in FAISS: exact inner product when small, IVF when large.

FAISS lives behind this module alone. Vectors are L2-normalised, so inner
product is cosine similarity. Every vector is stored under its row id (an
IndexIDMap2 around the exact index; the IVF lists hold ids themselves), so
rows can be removed and filtered by id. A float16 copy of every vector is kept
beside FAISS: it scores a handful of candidate rows exactly (a filter down to
one product), reranks what an IVF search found, and lets the index be rebuilt
in another shape without embedding anything again.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, Literal

import faiss
import numpy as np
from numpy.typing import NDArray

from retrieval.errors import IndexCorrupt, RetrievalError

IndexKind = Literal["exact", "ivf"]
KindSetting = Literal["auto", "exact", "ivf"]


def choose_kind(n_vectors: int, setting: KindSetting, ivf_threshold: int) -> IndexKind:
    """`auto`: exact below `ivf_threshold` vectors, IVF from there on."""
    if setting == "auto":
        return "ivf" if n_vectors >= ivf_threshold else "exact"
    return setting


def ivf_nlist(n_vectors: int) -> int:
    """About 4·√n lists, a power of two, with at least 39 training points per list."""
    target = max(16, int(4 * math.sqrt(max(n_vectors, 1))))
    nlist = 1 << round(math.log2(target))
    while nlist > 16 and nlist * 39 > n_vectors:
        nlist //= 2
    return nlist


# Vectors an IVF search scans by default (its lists' share of them): on clustered
# 384-d vectors, recall@10 against exact search 0.99 at 1M vectors and 0.97 at 300k
# (bench/ann_bench.py). A fixed fraction of lists instead fails one size or the
# other: a sixty-fourth gives 0.99 at 1M but 0.64 at 100k.
IVF_SCAN_VECTORS = 16_384


def ivf_nprobe(nlist: int, n_vectors: int, setting: int = 0) -> int:
    """Lists visited per query: enough to scan about IVF_SCAN_VECTORS (at least 16), unless set."""
    if setting > 0:
        return min(setting, nlist)
    per_list = max(n_vectors, 1) / max(nlist, 1)
    return min(nlist, max(16, round(IVF_SCAN_VECTORS / per_list)))


# An IVF search fetches this many times k candidates before the exact float16 rescoring
# picks the top k: 8-bit codes misorder near-ties at the cut, the float16 copy does not.
IVF_OVERFETCH = 2


class DenseIndex:
    """Row-addressed vectors with exact or IVF top-k search and exact rescoring."""

    def __init__(self, dim: int, kind: IndexKind = "exact", nprobe_setting: int = 0) -> None:
        self.dim = dim
        self.kind: IndexKind = kind
        self.nprobe_setting = nprobe_setting
        self.nlist = 0
        self.trained_on = 0  # vectors the IVF quantiser was trained on
        self._vectors: NDArray[np.float16] = np.zeros((0, dim), dtype=np.float16)
        self._present: NDArray[np.bool_] = np.zeros(0, dtype=bool)
        self._index: Any = faiss.IndexIDMap2(faiss.IndexFlatIP(dim))

    @property
    def ntotal(self) -> int:
        return int(self._index.ntotal)

    @property
    def nprobe(self) -> int:
        if self.kind != "ivf":
            return 0
        return ivf_nprobe(self.nlist, self.ntotal, self.nprobe_setting)

    def _grow(self, n_rows: int) -> None:
        if n_rows <= len(self._present):
            return
        size = max(n_rows, 2 * len(self._present), 1024)
        vectors = np.zeros((size, self.dim), dtype=np.float16)
        vectors[: len(self._vectors)] = self._vectors
        present = np.zeros(size, dtype=bool)
        present[: len(self._present)] = self._present
        self._vectors, self._present = vectors, present

    def _check(self, vectors: NDArray[np.float32]) -> NDArray[np.float32]:
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        if vectors.ndim != 2 or vectors.shape[1] != self.dim:
            raise RetrievalError(f"expected vectors of dimension {self.dim}, got {vectors.shape}")
        return vectors

    # -- updates ----------------------------------------------------------
    def add(self, rows: Sequence[int], vectors: NDArray[np.float32]) -> None:
        vectors = self._check(vectors)
        if len(rows) != len(vectors):
            raise ValueError("rows and vectors differ in length")
        if not len(rows):
            return
        ids = np.asarray(rows, dtype=np.int64)
        self._grow(int(ids.max()) + 1)
        self._vectors[ids] = vectors.astype(np.float16)
        self._present[ids] = True
        self._index.add_with_ids(vectors, ids)

    def remove(self, rows: Sequence[int]) -> None:
        ids = np.asarray([r for r in rows if r < len(self._present) and self._present[r]])
        if not len(ids):
            return
        self._present[ids] = False
        self._index.remove_ids(ids.astype(np.int64))

    def rebuild(
        self, kind: IndexKind, mapping: NDArray[np.int64] | None = None, retrain: bool = True
    ) -> None:
        """Re-create the FAISS index as `kind` from the stored vectors.

        `mapping` (old row -> new row, -1 for gone) renumbers rows on the way.
        Without `retrain`, an IVF index keeps its lists and only re-adds vectors.
        """
        rows = np.flatnonzero(self._present)
        vectors = self._vectors[rows].astype(np.float32)
        if mapping is not None:
            rows = mapping[rows]
            size = int(rows.max()) + 1 if len(rows) else 0
            self._vectors = np.zeros((size, self.dim), dtype=np.float16)
            self._present = np.zeros(size, dtype=bool)
            self._vectors[rows] = vectors.astype(np.float16)
            self._present[rows] = True
        if not retrain and kind == self.kind == "ivf":
            self._index.reset()  # the trained lists stay; only the contents go
        elif kind == "ivf" and len(rows) >= 16 * 39:
            self.nlist = ivf_nlist(len(rows))
            quantizer = faiss.IndexFlatIP(self.dim)
            ivf = faiss.IndexIVFScalarQuantizer(
                quantizer,
                self.dim,
                self.nlist,
                faiss.ScalarQuantizer.QT_8bit,
                faiss.METRIC_INNER_PRODUCT,
            )
            # Train on a sample: k-means cost grows with points, and 64 a list is plenty.
            sample = vectors
            limit = self.nlist * 64
            if len(vectors) > limit:
                pick = np.random.default_rng(0).choice(len(vectors), limit, replace=False)
                sample = vectors[np.sort(pick)]
            ivf.train(sample)
            self.kind = "ivf"
            # IVF keeps the ids it is given in its lists, and removes and filters by them.
            # It must not sit under an IndexIDMap: that map compacts its positions on
            # removal while the lists keep the old ones, and later hits get wrong ids.
            self._index = ivf
            self.trained_on = len(rows)
        else:
            # Too few vectors to train lists: an exact index is both right and fast.
            self.kind, self.nlist, self.trained_on = "exact", 0, 0
            self._index = faiss.IndexIDMap2(faiss.IndexFlatIP(self.dim))
        if len(rows):
            self._index.add_with_ids(vectors, rows.astype(np.int64))

    # -- search -----------------------------------------------------------
    def search(
        self, query: NDArray[np.float32], k: int, allowed: NDArray[np.bool_] | None = None
    ) -> tuple[NDArray[np.int64], NDArray[np.float32]]:
        """Top-k rows by inner product, optionally only rows where `allowed` is true."""
        if self.ntotal == 0 or k <= 0:
            return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.float32)
        q = self._check(query.reshape(1, -1))
        # the IVF lists to visit are set per search: the right number follows the vectors held
        params: Any = faiss.SearchParametersIVF() if self.kind == "ivf" else None
        if params is not None:
            params.nprobe = self.nprobe
        if allowed is not None:
            bits = np.packbits(allowed.astype(bool), bitorder="little")
            # The bitmap's size is given in bytes; ids past its end are not selected.
            selector = faiss.IDSelectorBitmap(len(bits), faiss.swig_ptr(bits))
            if params is None:
                params = faiss.SearchParameters()
            params.sel = selector
        fetch = k * IVF_OVERFETCH if self.kind == "ivf" else k
        scores, ids = self._index.search(q, min(fetch, self.ntotal), params=params)
        keep = ids[0] >= 0
        rows, found = ids[0][keep], scores[0][keep]
        if self.kind == "ivf":
            # 8-bit codes blur close scores; the float16 copy ranks them exactly.
            found = self.exact_scores(q[0], rows)
            order = np.argsort(-found, kind="stable")[:k]
            rows, found = rows[order], found[order]
        return rows.astype(np.int64), found.astype(np.float32)

    def exact_scores(
        self, query: NDArray[np.float32], rows: NDArray[np.int64]
    ) -> NDArray[np.float32]:
        """Cosine of `query` with each of `rows` (which must be present)."""
        if not len(rows):
            return np.empty(0, dtype=np.float32)
        return (self._vectors[rows].astype(np.float32) @ query.astype(np.float32)).astype(
            np.float32
        )

    # -- persistence ------------------------------------------------------
    def to_state(self) -> dict[str, NDArray[np.generic]]:
        return {
            "vectors": self._vectors[: self._used_rows()],
            "present": self._present[: self._used_rows()],
            "faiss": faiss.serialize_index(self._index),
        }

    def _used_rows(self) -> int:
        rows = np.flatnonzero(self._present)
        return int(rows[-1]) + 1 if len(rows) else 0

    def meta(self) -> dict[str, Any]:
        return {
            "dim": self.dim,
            "kind": self.kind,
            "nlist": self.nlist,
            "trained_on": self.trained_on,
        }

    @classmethod
    def from_state(
        cls, arrays: dict[str, NDArray[np.generic]], meta: dict[str, Any], nprobe_setting: int = 0
    ) -> DenseIndex:
        try:
            index = cls(int(meta["dim"]), meta["kind"], nprobe_setting)
            index.nlist = int(meta["nlist"])
            index.trained_on = int(meta["trained_on"])
            index._vectors = np.asarray(arrays["vectors"], dtype=np.float16)
            index._present = np.asarray(arrays["present"], dtype=bool)
            index._index = faiss.deserialize_index(np.asarray(arrays["faiss"], dtype=np.uint8))
        except (KeyError, ValueError, TypeError, RuntimeError) as exc:
            raise IndexCorrupt(f"dense index cannot be read: {exc}") from exc
        if (
            index._vectors.shape != (len(index._present), index.dim)
            or index._index.d != index.dim
            or index.ntotal != int(index._present.sum())
        ):
            raise IndexCorrupt("dense index does not match its stored vectors")
        return index
