"""The hybrid index: passage table, FAISS vectors and BM25 postings kept in step.

Updates arrive per group (one product, or one document passage): the group's
new passages replace its old ones. A passage whose id (and so text) is
unchanged keeps its row and vector and only takes the new filter metadata,
so a price or stock change embeds nothing. Readers and the writer share a
readers-writer lock: searches run side by side, an update waits for them.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray

from retrieval.dense import DenseIndex, KindSetting, choose_kind
from retrieval.errors import IndexCorrupt, RetrievalError
from retrieval.fusion import FusionMethod
from retrieval.lexical import BM25Index
from retrieval.settings import RetrievalSettings
from retrieval.table import PassageTable
from retrieval.tokenize import tokenize
from retrieval.types import Passage

SearchMode = Literal["hybrid", "dense", "lexical"]
# Fewer live vectors than this cannot train IVF lists well; stay exact.
MIN_IVF_VECTORS = 16 * 39
# Renumber rows once this share of them belongs to removed passages.
COMPACT_DEAD_SHARE = 0.3


@dataclass(frozen=True)
class IndexParams:
    """How the index is shaped and searched (built from RetrievalSettings at start)."""

    kind: KindSetting = "auto"
    ivf_threshold: int = 50_000  # passages; auto switches from exact to IVF here
    nprobe: int = 0  # 0: enough IVF lists to scan ~16k vectors (at least 16)
    exact_limit: int = 4096  # a filter leaving at most this many passages is scored exactly
    candidates: int = 100  # per side, before fusion
    fusion: FusionMethod = "score"
    dense_weight: float = 0.6
    rrf_k: float = 60.0
    mode: SearchMode = "hybrid"
    bm25_k1: float = 1.2
    bm25_b: float = 0.75
    # Within a filter that leaves at most exact_limit passages, BM25's idf counts
    # those passages only (see BM25Index.scores); False keeps catalog-wide idf.
    scoped_idf: bool = True

    @classmethod
    def from_settings(cls, settings: RetrievalSettings) -> IndexParams:
        return cls(
            kind=settings.index_kind,
            ivf_threshold=settings.index_ivf_threshold,
            nprobe=settings.index_nprobe,
            fusion=settings.search_fusion,
            dense_weight=settings.search_dense_weight,
            mode=settings.search_mode,
            scoped_idf=settings.search_scoped_idf,
        )


@dataclass(frozen=True)
class GroupUpdate:
    """The complete new passage list of one group, and the catalog version it reflects."""

    group: str
    version: str
    passages: tuple[Passage, ...]


class ReadWriteLock:
    """Many readers or one writer; a waiting writer holds off new readers."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._readers = 0
        self._writer = False
        self._waiting_writers = 0

    @contextmanager
    def reading(self) -> Iterator[None]:
        with self._cond:
            while self._writer or self._waiting_writers:
                self._cond.wait()
            self._readers += 1
        try:
            yield
        finally:
            with self._cond:
                self._readers -= 1
                self._cond.notify_all()

    @contextmanager
    def writing(self) -> Iterator[None]:
        with self._cond:
            self._waiting_writers += 1
            while self._writer or self._readers:
                self._cond.wait()
            self._waiting_writers -= 1
            self._writer = True
        try:
            yield
        finally:
            with self._cond:
                self._writer = False
                self._cond.notify_all()


class HybridIndex:
    def __init__(self, dim: int, embedder_name: str, params: IndexParams | None = None) -> None:
        self.params = params or IndexParams()
        self.embedder_name = embedder_name
        self.table = PassageTable()
        self.dense = DenseIndex(dim, "exact", self.params.nprobe)
        self.lexical = BM25Index(self.params.bm25_k1, self.params.bm25_b)
        self.lock = ReadWriteLock()

    @property
    def dim(self) -> int:
        return self.dense.dim

    @property
    def n_passages(self) -> int:
        return self.table.n_alive

    @property
    def versions(self) -> dict[str, str]:
        return dict(self.table.group_versions)

    # -- updates ----------------------------------------------------------
    def needs_vectors(self, updates: Iterable[GroupUpdate]) -> list[Passage]:
        """Passages of `updates` that are not indexed yet and so must be embedded."""
        with self.lock.reading():
            known = self.table.id_to_row
            return [p for u in updates for p in u.passages if p.passage_id not in known]

    def apply(
        self,
        updates: Sequence[GroupUpdate],
        vectors: Mapping[str, NDArray[np.float32]],
        removed_groups: Iterable[str] = (),
        reshape: bool = True,
    ) -> None:
        """Replace each updated group's passages and drop the removed groups.

        `vectors` holds a vector for every passage `needs_vectors` named.
        """
        with self.lock.reading():
            known = set(self.table.id_to_row)
        fresh = [p for u in updates for p in u.passages if p.passage_id not in known]
        missing = [p.passage_id for p in fresh if p.passage_id not in vectors]
        if missing:
            raise RetrievalError(f"no vector for {len(missing)} new passages, e.g. {missing[0]}")
        # Tokenising (jieba) is the slow part of an update; do it before taking the lock.
        tokens = {p.passage_id: tokenize(p.search_text) for p in fresh}
        with self.lock.writing():
            for group in removed_groups:
                self._drop_rows(self.table.remove_group(group))
            new_rows: list[int] = []
            new_tokens: list[list[str]] = []
            new_vectors: list[NDArray[np.float32]] = []
            for update in updates:
                old = {
                    pid: row
                    for row in self.table.group_rows.get(update.group, [])
                    if (pid := self.table.passage_id(row)) is not None
                }
                keep = {p.passage_id for p in update.passages}
                gone = [row for pid, row in old.items() if pid not in keep]
                self.table.remove_rows(update.group, gone)
                self._drop_rows(gone)
                for passage in update.passages:
                    row = old.get(passage.passage_id)
                    if row is not None:
                        self.table.set_meta(row, passage)
                        continue
                    if passage.passage_id in self.table.id_to_row:
                        continue  # the same passage listed twice in one update
                    new_rows.append(self.table.append(update.group, passage))
                    words = tokens.get(passage.passage_id) or tokenize(passage.search_text)
                    new_tokens.append(words)
                    new_vectors.append(vectors[passage.passage_id])
                # Recorded even for a product with nothing to index, so it is not stale.
                self.table.group_versions[update.group] = update.version
            if new_rows:
                self.dense.add(new_rows, np.vstack(new_vectors).astype(np.float32))
                self.lexical.add(new_rows, new_tokens)
            if reshape:
                self._reshape()

    def reshape(self) -> None:
        """Pick exact or IVF for the current size, retrain IVF that has outgrown its lists."""
        with self.lock.writing():
            self._reshape()

    def _drop_rows(self, rows: list[int]) -> None:
        if rows:
            self.dense.remove(rows)
            self.lexical.remove(rows)

    def _reshape(self) -> None:
        n = self.table.n_alive
        want = choose_kind(n, self.params.kind, self.params.ivf_threshold)
        if want == "ivf" and n < MIN_IVF_VECTORS:
            want = "exact"
        dead = self.table.n_rows - n
        mapping = None
        if self.table.n_rows > 1000 and dead > COMPACT_DEAD_SHARE * self.table.n_rows:
            mapping = self.table.compact()
            self.lexical.compact(mapping)
        outgrown = want == "ivf" and n > 4 * max(self.dense.trained_on, 1)
        if want != self.dense.kind or outgrown:
            self.dense.rebuild(want, mapping, retrain=True)
        elif mapping is not None:
            self.dense.rebuild(want, mapping, retrain=False)

    # -- persistence ------------------------------------------------------
    def to_state(self) -> tuple[dict[str, NDArray[Any]], dict[str, Any]]:
        with self.lock.reading():
            table_arrays, table_meta = self.table.to_state()
            lexical_arrays, terms = self.lexical.to_state()
            arrays: dict[str, NDArray[Any]] = {f"table.{k}": v for k, v in table_arrays.items()}
            arrays.update({f"lexical.{k}": v for k, v in lexical_arrays.items()})
            arrays.update({f"dense.{k}": v for k, v in self.dense.to_state().items()})
            # Terms are short word tokens (no newline); one blob loads far faster than JSON.
            arrays["lexical.terms"] = np.frombuffer("\n".join(terms).encode(), dtype=np.uint8)
            meta = {
                "embedder": self.embedder_name,
                "dense": self.dense.meta(),
                "n_terms": len(terms),
                "table": table_meta,
            }
            return arrays, meta

    @classmethod
    def from_state(
        cls, arrays: Mapping[str, NDArray[Any]], meta: Mapping[str, Any], params: IndexParams
    ) -> HybridIndex:
        def part(prefix: str) -> dict[str, NDArray[Any]]:
            return {k[len(prefix) :]: v for k, v in arrays.items() if k.startswith(prefix)}

        try:
            dense = DenseIndex.from_state(part("dense."), meta["dense"], params.nprobe)
            blob = bytes(np.asarray(arrays["lexical.terms"], dtype=np.uint8))
            terms = blob.decode().split("\n") if int(meta["n_terms"]) else []
            if len(terms) != int(meta["n_terms"]):
                raise IndexCorrupt("lexical vocabulary has the wrong length")
            lexical = BM25Index.from_state(part("lexical."), terms, params.bm25_k1, params.bm25_b)
            table = PassageTable.from_state(part("table."), meta["table"])
            index = cls(dense.dim, str(meta["embedder"]), params)
        except (KeyError, UnicodeDecodeError, TypeError, ValueError) as exc:
            raise IndexCorrupt(f"index state cannot be read: {exc}") from exc
        if table.n_alive != dense.ntotal or table.n_alive != lexical.n_alive:
            raise IndexCorrupt(
                f"index parts disagree: {table.n_alive} passages, {dense.ntotal} vectors, "
                f"{lexical.n_alive} lexical rows"
            )
        index.table, index.dense, index.lexical = table, dense, lexical
        return index
