"""Hybrid search: dense and BM25 candidates, fused, filtered, with citations.

One search: the filters become a row mask; BM25 scores every row that holds
a query term; the dense side takes the top candidates from FAISS, or, when
the filters leave few rows (one product's page), scores all of them exactly.
The union of both candidate lists gets both scores exactly, and the fusion
ranks them. `search_products` groups passages into products for catalog
search. The async methods run the same work in a bounded pool of threads, so
an event loop never waits on embedding or FAISS.
"""

from __future__ import annotations

import asyncio
import functools
import threading
import weakref
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from typing import TypeVar

import numpy as np
from numpy.typing import NDArray

from retrieval.fusion import fuse
from retrieval.index import HybridIndex, IndexParams, SearchMode
from retrieval.table import Selection
from retrieval.tokenize import tokenize
from retrieval.types import Embedder, Hit, ProductHit, SearchFilters

T = TypeVar("T")
# A product's score is its best passage's plus this share of its next best ones.
SECOND_PASSAGE_SHARE = 0.1
# Passages considered for product ranking, per product asked for.
PASSAGES_PER_PRODUCT = 8


@dataclass(frozen=True)
class _Ranked:
    rows: NDArray[np.int64]
    fused: NDArray[np.float64]
    dense: NDArray[np.float64] | None
    lexical: NDArray[np.float64] | None


def _top(rows: NDArray[np.int64], scores: NDArray[np.float64], k: int) -> NDArray[np.int64]:
    """Indices into `rows` of the k best scores, best first."""
    if len(rows) > k:
        part = np.argpartition(-scores, k - 1)[:k]
        return part[np.argsort(-scores[part], kind="stable")]
    return np.argsort(-scores, kind="stable")


class HybridRetriever:
    """The Retriever port over a HybridIndex and an Embedder."""

    def __init__(
        self,
        index: HybridIndex,
        embedder: Embedder,
        params: IndexParams | None = None,
        workers: int = 2,
        max_pending: int = 64,
    ) -> None:
        # Replaced whole by `swap_index` (hot reload); each search reads it once and works
        # on that index to the end, so a search in flight never mixes two versions.
        self.index = index
        self.embedder = embedder
        self.params = params or index.params
        self._executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="kefu-search")
        self._max_pending = max_pending
        # asyncio semaphores belong to one loop; keep one per loop that calls us.
        self._slots: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore] = (
            weakref.WeakKeyDictionary()
        )
        self._slots_lock = threading.Lock()

    def with_params(self, **changes: object) -> HybridRetriever:
        """The same index searched another way (e.g. mode="lexical" for a baseline)."""
        params = replace(self.params, **changes)  # type: ignore[arg-type]
        return HybridRetriever(self.index, self.embedder, params)

    def swap_index(self, index: HybridIndex) -> HybridIndex:
        """Serve `index` from the next search on; returns the one it replaces.

        One attribute assignment: searches that started on the old index finish on it.
        """
        old, self.index = self.index, index
        return old

    # -- search -----------------------------------------------------------
    def search(self, query: str, k: int = 10, filters: SearchFilters | None = None) -> list[Hit]:
        if k <= 0 or not query.strip():
            return []
        index = self.index
        tokens, vector = self._prepare(query)
        with index.lock.reading():
            selection = index.table.select(filters)
            ranked = self._rank(index, tokens, vector, selection, k)
            return [self._hit(index, ranked, i) for i in range(len(ranked.rows))]

    def search_products(
        self, query: str, k: int = 10, filters: SearchFilters | None = None
    ) -> list[ProductHit]:
        if k <= 0 or not query.strip():
            return []
        filters = replace(filters or SearchFilters(), kinds=("product",))
        index = self.index
        tokens, vector = self._prepare(query)
        pool = max(k * PASSAGES_PER_PRODUCT, self.params.candidates)
        with index.lock.reading():
            selection = index.table.select(filters)
            while True:
                ranked = self._rank(index, tokens, vector, selection, pool, pool=pool)
                by_sku = self._group(index, ranked)
                # Widen the pool until k products turn up or every passage has been seen.
                if len(by_sku) >= k or pool >= selection.count or len(ranked.rows) < pool:
                    return self._products(index, ranked, by_sku, k)
                pool *= 4

    async def asearch(
        self, query: str, k: int = 10, filters: SearchFilters | None = None
    ) -> list[Hit]:
        return await self._in_thread(functools.partial(self.search, query, k, filters))

    async def asearch_products(
        self, query: str, k: int = 10, filters: SearchFilters | None = None
    ) -> list[ProductHit]:
        return await self._in_thread(functools.partial(self.search_products, query, k, filters))

    def close(self) -> None:
        self._executor.shutdown(wait=True)

    # -- internals --------------------------------------------------------
    async def _in_thread(self, call: Callable[[], T]) -> T:
        loop = asyncio.get_running_loop()
        with self._slots_lock:
            slots = self._slots.get(loop)
            if slots is None:
                slots = self._slots[loop] = asyncio.Semaphore(self._max_pending)
        # Callers beyond max_pending wait here instead of piling onto the pool's queue.
        async with slots:
            return await loop.run_in_executor(self._executor, call)

    def _prepare(self, query: str) -> tuple[list[str], NDArray[np.float32] | None]:
        mode = self.params.mode
        tokens = tokenize(query) if mode != "dense" else []
        vector = None
        if mode != "lexical":
            vector = np.asarray(self.embedder.encode([query], kind="query"), dtype=np.float32)[0]
        return tokens, vector

    def _rank(
        self,
        index: HybridIndex,
        tokens: list[str],
        vector: NDArray[np.float32] | None,
        selection: Selection,
        k: int,
        pool: int | None = None,
    ) -> _Ranked:
        params = self.params
        empty = _Ranked(np.empty(0, dtype=np.int64), np.empty(0), None, None)
        if selection.count == 0:
            return empty
        n_candidates = max(pool or 0, params.candidates, k)
        mask = selection.mask

        few = selection.filtered and selection.count <= params.exact_limit
        scope = mask if few and params.scoped_idf else None
        lexical_all = index.lexical.scores(tokens, scope) if tokens else None
        lexical_rows = np.empty(0, dtype=np.int64)
        if lexical_all is not None:
            # Comparing first makes a bool array, which nonzero scans far faster than floats.
            matched = np.flatnonzero((lexical_all[: len(mask)] > 0) & mask)
            lexical_rows = matched[_top(matched, lexical_all[matched], n_candidates)]

        dense_rows = np.empty(0, dtype=np.int64)
        if vector is not None:
            if few:
                # Few rows pass the filter: score them all rather than hope FAISS finds them.
                rows = np.flatnonzero(mask)
                scores = index.dense.exact_scores(vector, rows).astype(np.float64)
                dense_rows = rows[_top(rows, scores, n_candidates)]
            else:
                allowed = mask if selection.filtered else None
                dense_rows, _ = index.dense.search(vector, n_candidates, allowed)

        rows = np.union1d(dense_rows, lexical_rows).astype(np.int64)
        if not len(rows):
            return empty
        dense = None
        if vector is not None:
            dense = index.dense.exact_scores(vector, rows).astype(np.float64)
        lexical = lexical_all[rows] if lexical_all is not None else np.zeros(len(rows))
        fused = self._fuse(dense, lexical, params.mode)
        best = _top(rows, fused, k)
        return _Ranked(
            rows[best],
            fused[best],
            dense[best] if dense is not None else None,
            lexical[best] if tokens else None,
        )

    def _fuse(
        self, dense: NDArray[np.float64] | None, lexical: NDArray[np.float64], mode: SearchMode
    ) -> NDArray[np.float64]:
        if dense is None or mode == "lexical":
            return lexical
        if mode == "dense":
            return dense
        p = self.params
        return fuse(dense, lexical, p.fusion, p.dense_weight, p.rrf_k)

    def _hit(self, index: HybridIndex, ranked: _Ranked, i: int) -> Hit:
        return Hit(
            passage=index.table.passage(int(ranked.rows[i])),
            score=float(ranked.fused[i]),
            dense_score=None if ranked.dense is None else float(ranked.dense[i]),
            lexical_score=None if ranked.lexical is None else float(ranked.lexical[i]),
        )

    def _group(self, index: HybridIndex, ranked: _Ranked) -> dict[str, list[int]]:
        """Positions in `ranked` of each product's passages, best first."""
        by_sku: dict[str, list[int]] = {}
        table = index.table
        for i, row in enumerate(ranked.rows):
            sku = table.sku(int(row))
            if sku is not None:
                by_sku.setdefault(sku, []).append(i)
        return by_sku

    def _products(
        self, index: HybridIndex, ranked: _Ranked, by_sku: dict[str, list[int]], k: int
    ) -> list[ProductHit]:
        fused = ranked.fused.tolist()
        scored = sorted(
            (
                (fused[at[0]] + SECOND_PASSAGE_SHARE * sum(fused[i] for i in at[1:3]), sku)
                for sku, at in by_sku.items()
            ),
            key=lambda pair: -pair[0],
        )
        # Passage objects are made only for the passages shown with the top k products.
        return [
            ProductHit(
                sku=sku,
                score=score,
                hits=tuple(self._hit(index, ranked, i) for i in by_sku[sku][:3]),
            )
            for score, sku in scored[:k]
        ]
