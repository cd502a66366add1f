"""Okapi BM25 over integer rows, with postings in numpy arrays.

A query touches only the postings of its own terms, and every step over them
is vectorised, so a search costs the length of those postings and never a
Python loop over the documents. Postings live in two segments, both sorted by
term: a large main segment (CSR by term id) and a small delta segment that
takes additions. Removal clears a row's `alive` flag; document frequency and
average length are computed over live rows only, so a removed row stops
counting at once. `compact` folds the delta into the main segment and drops
the postings of removed rows.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

from retrieval.errors import IndexCorrupt

# Fold the delta into the main segment once it holds this many postings
# (or an eighth of the main segment, whichever is larger).
DELTA_MERGE_MIN = 200_000


class BM25Index:
    """BM25 scores of live rows for a bag of query tokens."""

    def __init__(self, k1: float = 1.2, b: float = 0.75) -> None:
        self.k1 = k1
        self.b = b
        self._vocab: dict[str, int] = {}
        self._terms: list[str] = []
        self._indptr: NDArray[np.int64] = np.zeros(1, dtype=np.int64)
        self._docs: NDArray[np.int32] = np.empty(0, dtype=np.int32)
        self._tfs: NDArray[np.float32] = np.empty(0, dtype=np.float32)
        self._d_terms: NDArray[np.int32] = np.empty(0, dtype=np.int32)
        self._d_docs: NDArray[np.int32] = np.empty(0, dtype=np.int32)
        self._d_tfs: NDArray[np.float32] = np.empty(0, dtype=np.float32)
        self._lengths: NDArray[np.float32] = np.zeros(0, dtype=np.float32)
        self._alive: NDArray[np.bool_] = np.zeros(0, dtype=bool)
        self._n_alive = 0
        self._total_length = 0.0

    # -- size -------------------------------------------------------------
    @property
    def capacity(self) -> int:
        return len(self._alive)

    @property
    def n_alive(self) -> int:
        return self._n_alive

    @property
    def n_postings(self) -> int:
        return len(self._docs) + len(self._d_docs)

    def _grow(self, n_rows: int) -> None:
        if n_rows <= self.capacity:
            return
        size = max(n_rows, 2 * self.capacity, 1024)
        lengths = np.zeros(size, dtype=np.float32)
        lengths[: self.capacity] = self._lengths
        alive = np.zeros(size, dtype=bool)
        alive[: self.capacity] = self._alive
        self._lengths, self._alive = lengths, alive

    # -- updates ----------------------------------------------------------
    def add(self, rows: Sequence[int], token_lists: Sequence[Sequence[str]]) -> None:
        """Index each row's tokens. Rows must be new (or removed earlier)."""
        if len(rows) != len(token_lists):
            raise ValueError("rows and token_lists differ in length")
        if not rows:
            return
        self._grow(max(rows) + 1)
        vocab, terms = self._vocab, self._terms
        term_ids: list[int] = []
        row_ids: list[int] = []
        for row, tokens in zip(rows, token_lists, strict=True):
            if self._alive[row]:
                raise ValueError(f"row {row} is already indexed")
            for token in tokens:
                tid = vocab.get(token)
                if tid is None:
                    tid = vocab[token] = len(terms)
                    terms.append(token)
                term_ids.append(tid)
            row_ids.extend([row] * len(tokens))
            self._lengths[row] = len(tokens)
            self._alive[row] = True
            self._n_alive += 1
            self._total_length += len(tokens)
        if not term_ids:
            return
        # One posting per (term, row); the count of repeats is the term frequency.
        keys = (np.asarray(term_ids, dtype=np.int64) << 32) | np.asarray(row_ids, dtype=np.int64)
        pairs, counts = np.unique(keys, return_counts=True)
        new_terms = (pairs >> 32).astype(np.int32)
        new_docs = (pairs & 0xFFFFFFFF).astype(np.int32)
        terms_all = np.concatenate([self._d_terms, new_terms])
        order = np.argsort(terms_all, kind="stable")
        self._d_terms = terms_all[order]
        self._d_docs = np.concatenate([self._d_docs, new_docs])[order]
        self._d_tfs = np.concatenate([self._d_tfs, counts.astype(np.float32)])[order]
        if len(self._d_docs) > max(DELTA_MERGE_MIN, len(self._docs) // 8):
            self.compact()

    def remove(self, rows: Sequence[int]) -> None:
        for row in rows:
            if row < self.capacity and self._alive[row]:
                self._alive[row] = False
                self._n_alive -= 1
                self._total_length -= float(self._lengths[row])

    def compact(self, mapping: NDArray[np.int64] | None = None) -> None:
        """Fold the delta into the main segment and drop removed rows' postings.

        `mapping` (old row -> new row, -1 for gone) renumbers rows as well.
        """
        n_terms = len(self._terms)
        main_terms = np.repeat(
            np.arange(len(self._indptr) - 1, dtype=np.int32), np.diff(self._indptr)
        )
        terms = np.concatenate([main_terms, self._d_terms])
        docs = np.concatenate([self._docs, self._d_docs])
        tfs = np.concatenate([self._tfs, self._d_tfs])
        keep = self._alive[docs] if len(docs) else np.zeros(0, dtype=bool)
        terms, docs, tfs = terms[keep], docs[keep], tfs[keep]
        if mapping is not None:
            docs = mapping[docs].astype(np.int32)
            size = int(mapping.max()) + 1 if len(mapping) else 0
            lengths = np.zeros(size, dtype=np.float32)
            alive = np.zeros(size, dtype=bool)
            old = np.flatnonzero((mapping >= 0) & self._alive[: len(mapping)])
            lengths[mapping[old]] = self._lengths[old]
            alive[mapping[old]] = True
            self._lengths, self._alive = lengths, alive
        order = np.argsort(terms, kind="stable")
        self._docs, self._tfs = docs[order], tfs[order]
        self._indptr = np.zeros(n_terms + 1, dtype=np.int64)
        np.cumsum(np.bincount(terms, minlength=n_terms), out=self._indptr[1:])
        self._d_terms = np.empty(0, dtype=np.int32)
        self._d_docs = np.empty(0, dtype=np.int32)
        self._d_tfs = np.empty(0, dtype=np.float32)

    # -- search -----------------------------------------------------------
    def _postings(self, tid: int) -> tuple[NDArray[np.int32], NDArray[np.float32]]:
        docs, tfs = self._docs[0:0], self._tfs[0:0]
        if tid + 1 < len(self._indptr):
            start, end = int(self._indptr[tid]), int(self._indptr[tid + 1])
            docs, tfs = self._docs[start:end], self._tfs[start:end]
        if len(self._d_terms):
            lo = int(np.searchsorted(self._d_terms, tid, side="left"))
            hi = int(np.searchsorted(self._d_terms, tid, side="right"))
            if hi > lo:
                docs = np.concatenate([docs, self._d_docs[lo:hi]])
                tfs = np.concatenate([tfs, self._d_tfs[lo:hi]])
        return docs, tfs

    def scores(
        self, tokens: Sequence[str], scope: NDArray[np.bool_] | None = None
    ) -> NDArray[np.float64] | None:
        """BM25 score of every row (0 where no query term occurs); None when no term is known.

        With `scope` (a mask over rows), only the rows inside it are scored, and a
        term's rarity (idf) is counted among them: on one product's page, the
        product's own name is on every passage and says nothing, while a word
        found on two of its passages picks them out. Length normalisation stays
        catalog-wide, so a short page does not skew it.
        """
        term_ids = {self._vocab[t] for t in tokens if t in self._vocab}
        if not term_ids or self._n_alive == 0:
            return None
        searched = self._alive
        if scope is not None:
            searched = self._alive.copy()
            width = min(len(scope), len(searched))
            searched[:width] &= scope[:width]
            searched[width:] = False
        n = float(self._n_alive if scope is None else int(searched.sum()))
        if n == 0:
            return None
        avg_length = max(self._total_length / max(self._n_alive, 1), 1e-9)
        k1, b = self.k1, self.b
        all_docs: list[NDArray[np.int32]] = []
        all_weights: list[NDArray[np.float64]] = []
        for tid in term_ids:
            docs, tfs = self._postings(tid)
            live = searched[docs]
            docs, tf = docs[live], tfs[live].astype(np.float64)
            df = len(docs)
            if df == 0:
                continue
            idf = np.log1p((n - df + 0.5) / (df + 0.5))
            norm = k1 * (1.0 - b + b * self._lengths[docs] / avg_length)
            all_docs.append(docs)
            all_weights.append(idf * tf * (k1 + 1.0) / (tf + norm))
        if not all_docs:
            return None
        summed: NDArray[np.float64] = np.bincount(
            np.concatenate(all_docs), weights=np.concatenate(all_weights), minlength=self.capacity
        ).astype(np.float64, copy=False)
        return summed

    # -- persistence ------------------------------------------------------
    def to_state(self) -> tuple[dict[str, NDArray[np.generic]], list[str]]:
        """Arrays and vocabulary that `from_state` turns back into this index."""
        if len(self._d_docs):
            self.compact()
        arrays: dict[str, NDArray[np.generic]] = {
            "indptr": self._indptr,
            "docs": self._docs,
            "tfs": self._tfs,
            "lengths": self._lengths,
            "alive": self._alive,
        }
        return arrays, list(self._terms)

    @classmethod
    def from_state(
        cls,
        arrays: dict[str, NDArray[np.generic]],
        terms: list[str],
        k1: float = 1.2,
        b: float = 0.75,
    ) -> BM25Index:
        index = cls(k1=k1, b=b)
        try:
            index._indptr = np.asarray(arrays["indptr"], dtype=np.int64)
            index._docs = np.asarray(arrays["docs"], dtype=np.int32)
            index._tfs = np.asarray(arrays["tfs"], dtype=np.float32)
            index._lengths = np.asarray(arrays["lengths"], dtype=np.float32)
            index._alive = np.asarray(arrays["alive"], dtype=bool)
        except KeyError as exc:
            raise IndexCorrupt(f"lexical index lacks {exc}") from exc
        if (
            len(index._indptr) != len(terms) + 1
            or int(index._indptr[-1]) != len(index._docs)
            or len(index._tfs) != len(index._docs)
            or len(index._lengths) != len(index._alive)
            or (len(index._docs) and int(index._docs.max()) >= len(index._alive))
        ):
            raise IndexCorrupt("lexical index arrays do not fit together")
        index._terms = list(terms)
        index._vocab = {term: i for i, term in enumerate(terms)}
        index._n_alive = int(index._alive.sum())
        index._total_length = float(index._lengths[index._alive].sum())
        return index
