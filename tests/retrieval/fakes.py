"""A deterministic stand-in for the Embedder port: hashed character n-grams.

Texts that share words (or Chinese characters) get close vectors, which is
all the index tests need; no model is loaded.
"""

from __future__ import annotations

import itertools
import re
import zlib

import numpy as np
from numpy.typing import NDArray

from retrieval.index import GroupUpdate, HybridIndex, IndexParams
from retrieval.tokenize import detect_lang
from retrieval.types import EmbedKind, Passage

_CJK = re.compile(r"[\u4e00-\u9fff]")
_WORD = re.compile(r"[a-z0-9]+")


class HashEmbedder:
    def __init__(self, dimension: int = 64, name: str = "hash-ngrams") -> None:
        self._dimension = dimension
        self._name = name
        self.calls: list[tuple[int, EmbedKind]] = []  # (number of texts, kind) per encode

    @property
    def dimension(self) -> int:
        return self._dimension

    @property
    def name(self) -> str:
        return self._name

    def _features(self, text: str) -> list[str]:
        text = text.lower()
        feats: list[str] = []
        for word in _WORD.findall(text):
            padded = f"#{word}#"
            feats.extend(padded[i : i + 3] for i in range(len(padded) - 2))
            feats.append(word)
        chars = _CJK.findall(text)
        feats.extend(chars)
        feats.extend(a + b for a, b in itertools.pairwise(chars))
        return feats

    def encode(self, texts: list[str], kind: EmbedKind = "passage") -> NDArray[np.float32]:
        self.calls.append((len(texts), kind))
        out = np.zeros((len(texts), self._dimension), dtype=np.float32)
        for i, text in enumerate(texts):
            for feat in self._features(text):
                h = zlib.crc32(feat.encode())
                out[i, h % self._dimension] += 1.0 if (h >> 16) & 1 else -1.0
            norm = float(np.linalg.norm(out[i]))
            if norm > 0:
                out[i] /= norm
            else:
                out[i, 0] = 1.0
        return out


def product(
    sku: str,
    text: str,
    *,
    field: str = "title",
    lang: str = "",
    category: str = "",
    brand: str = "",
    price: float | None = None,
    in_stock: bool | None = None,
) -> Passage:
    """A product passage with an id derived from sku, field and text (as passages.py does)."""
    return Passage(
        passage_id=f"{sku}:{field}:{zlib.crc32(text.encode()):08x}",
        kind="product",
        text=text,
        lang=lang or detect_lang(text),
        sku=sku,
        field=field,
        category=category,
        brand=brand,
        price=price,
        in_stock=in_stock,
    )


def document(path: str, heading: str, text: str, position: int = 0) -> Passage:
    return Passage(
        passage_id=f"doc:{path}#{position}:{zlib.crc32(text.encode()):08x}",
        kind="document",
        text=text,
        lang=detect_lang(text),
        doc_path=path,
        heading=heading,
    )


def index_of(
    passages: list[Passage], embedder: HashEmbedder, params: IndexParams | None = None
) -> HybridIndex:
    """An index holding `passages`, grouped by SKU (products) or path#position (documents)."""
    index = HybridIndex(embedder.dimension, embedder.name, params)
    add_passages(index, passages, embedder)
    return index


def add_passages(index: HybridIndex, passages: list[Passage], embedder: HashEmbedder) -> None:
    groups: dict[str, list[Passage]] = {}
    for p in passages:
        group = f"sku:{p.sku}" if p.kind == "product" else p.passage_id.rsplit(":", 1)[0]
        groups.setdefault(group, []).append(p)
    updates = [GroupUpdate(g, "v1", tuple(ps)) for g, ps in groups.items()]
    todo = index.needs_vectors(updates)
    encoded = embedder.encode([p.search_text for p in todo])
    vectors = dict(zip([p.passage_id for p in todo], encoded, strict=True))
    index.apply(updates, vectors)
