"""Grouping short texts by character n-gram similarity (the only module that imports scikit-learn).

Character n-grams work for Chinese and English alike without a tokenizer or a
model: "能开发票吗" and "可以开发票吗" share most of their bigrams, as do
"do you ship to hong kong" and "shipping to Hong Kong?".
"""

from __future__ import annotations

import re
from collections.abc import Sequence

_SPACE = re.compile(r"\s+")
_EDGE_PUNCT = "?？!！.。,，、~～ "


def normalise(text: str) -> str:
    return _SPACE.sub(" ", text.strip().lower()).strip(_EDGE_PUNCT)


def group_similar(texts: Sequence[str], threshold: float) -> list[list[int]]:
    """Indices of `texts` in groups, largest first; each group's first index is its most typical.

    TF-IDF over character 2-4-grams, cosine similarity; leader clustering: the
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
        analyzer="char_wb", ngram_range=(1, 3), sublinear_tf=True, min_df=1
    ).fit_transform(cleaned)
    similar = (vectors @ vectors.T).tocsr()  # rows are L2-normalised: this is cosine
    neighbours: list[set[int]] = []
    for i in range(len(cleaned)):
        row = similar.getrow(i)
        close = {int(j) for j, s in zip(row.indices, row.data, strict=True) if s >= threshold}
        close.add(i)
        neighbours.append(close)
    order = sorted(range(len(cleaned)), key=lambda i: (-len(neighbours[i]), i))
    grouped: set[int] = set()
    groups: list[list[int]] = []
    for leader in order:
        if leader in grouped:
            continue
        members = [
            leader,
            *sorted(j for j in neighbours[leader] if j not in grouped and j != leader),
        ]
        grouped.update(members)
        groups.append(members)
    groups.sort(key=lambda g: (-len(g), g[0]))
    return groups
