"""Combine dense and lexical scores of the same candidates into one ranking.

Both functions see every candidate with both of its scores (the hybrid search
computes them exactly for the union of both candidate lists), so a passage
found by one side only is still judged by the other.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from numpy.typing import NDArray

FusionMethod = Literal["rrf", "score"]


def _ranks(scores: NDArray[np.float64]) -> NDArray[np.float64]:
    """1-based rank of each score, best first; ties keep input order."""
    order = np.argsort(-scores, kind="stable")
    ranks = np.empty(len(scores), dtype=np.float64)
    ranks[order] = np.arange(1, len(scores) + 1)
    return ranks


def reciprocal_rank_fusion(
    dense: NDArray[np.float64], lexical: NDArray[np.float64], dense_weight: float, k: float = 60.0
) -> NDArray[np.float64]:
    """Weighted RRF; a candidate with no lexical match (score 0) gets nothing from that side."""
    fused = dense_weight / (k + _ranks(dense))
    matched = lexical > 0
    lexical_part = (1.0 - dense_weight) / (k + _ranks(lexical))
    return fused + np.where(matched, lexical_part, 0.0)


def normalised_score_fusion(
    dense: NDArray[np.float64], lexical: NDArray[np.float64], dense_weight: float
) -> NDArray[np.float64]:
    """Convex combination of min-max scaled cosine and max-scaled BM25."""
    span = float(dense.max() - dense.min()) if len(dense) else 0.0
    dense_n = (dense - dense.min()) / span if span > 1e-9 else np.ones_like(dense)
    top = float(lexical.max()) if len(lexical) else 0.0
    lexical_n = lexical / top if top > 0 else np.zeros_like(lexical)
    return dense_weight * dense_n + (1.0 - dense_weight) * lexical_n


def fuse(
    dense: NDArray[np.float64],
    lexical: NDArray[np.float64],
    method: FusionMethod,
    dense_weight: float,
    rrf_k: float = 60.0,
) -> NDArray[np.float64]:
    if method == "rrf":
        return reciprocal_rank_fusion(dense, lexical, dense_weight, rrf_k)
    return normalised_score_fusion(dense, lexical, dense_weight)
