"""How close a fact sentence comes to the shopper's question, in the search embedder's terms.

The extractive answer (`verify/extractive.py`) quotes the fact sentence that best
answers the question. Shared words alone miss synonyms ("back light" and
"backlit", "wash" and "dishwasher safe") and let through sentences that share a
word by chance. The embedder that ranks passages for search also ranks the
sentences inside them, and its similarity decides whether any sentence is close
enough to quote at all.

Why 0.70 by default: on en_product_qa (1,000 questions, their top-5 passages cut
into sentences), the joined e5 + MiniLM embedder puts the best sentence of the
question's own page at or above 0.70 for 94.7 % of questions, and the best
sentence of another product's page for 7.4 % of them; a shared word lets through
94.4 % and 19.4 %. Another embedder scores on another scale: set
`KEFU_EXTRACTIVE_MIN_SIMILARITY` for it.

A question in Chinese or Japanese is scored by the multilingual model alone
(`retrieval/paired.py`), whose cosines between a Chinese question and unrelated
Chinese sentences run 0.79-0.86 against 0.89-0.92 for the answering one: no one
threshold holds across pages, so there a sentence must also share a word (a
character pair) with the question, and similarity only orders those that do.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from retrieval.tokenize import has_cjk
from retrieval.types import Embedder

DEFAULT_MIN_SIMILARITY = 0.70


class EmbedderSimilarity:
    """Cosine similarity of sentences to a question, by a search `Embedder`."""

    def __init__(self, embedder: Embedder, minimum: float = DEFAULT_MIN_SIMILARITY) -> None:
        self.embedder = embedder
        self.minimum = minimum

    def gates(self, question: str) -> bool:
        return not has_cjk(question)

    def __call__(self, question: str, sentences: Sequence[str]) -> list[float]:
        if not sentences:
            return []
        query = np.asarray(self.embedder.encode([question], kind="query"), dtype=np.float32)[0]
        found = np.asarray(self.embedder.encode(list(sentences), kind="passage"), dtype=np.float32)
        return [float(v) for v in found @ query]
