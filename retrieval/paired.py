"""Two embedders as one: a multilingual model for every text, an English model beside it.

A passage is stored as one vector `[sqrt(1 - w) * m(p), sqrt(w) * e(p)]`, with `m` the
multilingual model, `e` the English one and `w` the English model's weight. An English
query embedded the same way meets it with the inner product `(1 - w) * cos_m + w * cos_e`,
the weighted sum of the two cosines, so the FAISS index, its persistence and its
incremental updates work unchanged on the joined vectors.

A query with Chinese or Japanese characters is embedded as `[m(q) / sqrt(1 - w), 0]`:
its score is the multilingual cosine alone, because an English model reads those
scripts as noise. Such queries skip the English model entirely.

Why: on English product questions (en_product_qa, in-page evidence in the top 5) the
English all-MiniLM-L6-v2 alone scores 0.872 where multilingual-e5-small scores 0.839,
and the pair at w = 0.25 beats either (see `kefu eval evidence`).
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray

from retrieval.tokenize import has_cjk
from retrieval.types import Embedder, EmbedKind


class PairedEmbedder:
    """An `Embedder` joining a multilingual and an English embedder (see the module doc)."""

    def __init__(self, multilingual: Embedder, english: Embedder, english_weight: float) -> None:
        if not 0.0 < english_weight < 1.0:
            raise ValueError(f"english_weight must lie strictly between 0 and 1: {english_weight}")
        self.multilingual = multilingual
        self.english = english
        self.english_weight = english_weight
        self._m_scale = math.sqrt(1.0 - english_weight)
        self._e_scale = math.sqrt(english_weight)

    @property
    def dimension(self) -> int:
        return self.multilingual.dimension + self.english.dimension

    @property
    def name(self) -> str:
        # The weight is part of the name: stored vectors are scaled by it, so a new
        # weight must rebuild the index (and retrain what was fitted on the vectors).
        return f"{self.multilingual.name}+{self.english.name}@{self.english_weight:g}"

    def encode(self, texts: list[str], kind: EmbedKind = "passage") -> NDArray[np.float32]:
        """Joined vectors; unit length, except CJK queries (length 1 / sqrt(1 - w))."""
        width = self.multilingual.dimension
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        if not texts:
            return out
        out[:, :width] = self.multilingual.encode(texts, kind) * self._m_scale
        # CJK queries are scored by the multilingual model alone; passages always by both
        alone = [kind == "query" and has_cjk(text) for text in texts]
        alone_rows = [i for i, a in enumerate(alone) if a]
        english_rows = [i for i, a in enumerate(alone) if not a]
        out[alone_rows, :width] /= 1.0 - self.english_weight
        if english_rows:
            english = self.english.encode([texts[i] for i in english_rows], kind)
            out[english_rows, width:] = english * self._e_scale
        return out
