"""Grouping short texts by character n-gram similarity (the only module that imports scikit-learn).

Character n-grams work for Chinese and English alike without a tokenizer or a
model: "能开发票吗" and "可以开发票吗" share most of their characters, as do
"do you ship to hong kong" and "shipping to Hong Kong?".
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

_SPACE = re.compile(r"\s+")
_EDGE_PUNCT = "?？!！.。,，、~～ "


def normalise(text: str) -> str:
    return _SPACE.sub(" ", text.strip().lower()).strip(_EDGE_PUNCT)


def group_similar(texts: Sequence[str], threshold: float) -> list[list[int]]:
    """Indices of `texts` in groups, largest first; each group's first index is its most typical.

    TF-IDF over character 1-3-grams, cosine similarity; leader clustering: the
    text with the most neighbours at or above `threshold` leads a group of its
    still-ungrouped neighbours, then the next, until every text is in a group.
    Deterministic for a given input order.
    """
    # Imported on use: loading scikit-learn is for the pages that group questions.
    from sklearn.feature_extraction.text import TfidfVectorizer

    cleaned = [normalise(t) for t in texts]
    if not cleaned:
        return []
    if all(not t for t in cleaned):
        return [list(range(len(cleaned)))]
    vectors = TfidfVectorizer(
        analyzer="char_wb", ngram_range=(1, 3), sublinear_tf=True, dtype=np.float32
    ).fit_transform(cleaned)
    # Rows are L2-normalised, so the product is the cosine. Shared unigrams make it
    # nearly dense anyway; for the thousand-odd questions grouped it is small.
    close = (vectors @ vectors.T).toarray() >= threshold
    np.fill_diagonal(close, True)
    order = sorted(range(len(cleaned)), key=lambda i: (-int(close[i].sum()), i))
    free = np.ones(len(cleaned), dtype=bool)
    groups: list[list[int]] = []
    for leader in order:
        if not free[leader]:
            continue
        members = np.flatnonzero(close[leader] & free)
        free[members] = False
        groups.append([leader, *(int(j) for j in members if j != leader)])
    groups.sort(key=lambda g: (-len(g), g[0]))
    return groups
