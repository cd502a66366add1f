"""Catalog rows to searchable passages, each with its citation and filter metadata.

A product becomes: its title, its description (in chunks when long), its
attributes as one line of "name: value" pairs, each of its catalog passages
(bullets, reviews, community answers), and the same fields of every
translation. A passage id is the SKU, field, language and a hash of the text,
so an unchanged passage keeps its id (and its vector) across re-ingests.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator, Sequence
from typing import Any

from catalog.ingest import document_passage_id
from catalog.models import DocumentPassage, Product, ProductPassage
from retrieval.tokenize import detect_lang
from retrieval.types import Passage

# Bump when the passages made from the same rows change: stored indexes are rebuilt.
PASSAGE_FORMAT = 2
# A long description is cut at sentence ends into chunks of about this many
# characters: an embedding of a whole page says little about any one sentence.
CHUNK_CHARS = 800
# Catalog passages (bullets, reviews, answers) are the shop's own units and stay
# whole unless they run past what the embedder reads (about 512 tokens).
PASSAGE_CHUNK_CHARS = 2000
_SENTENCE_END = re.compile(r"(?<=[.!?。！？；;])\s*")


def chunk_text(text: str, limit: int = CHUNK_CHARS) -> list[str]:
    """Split at sentence ends into pieces of at most about `limit` characters."""
    text = text.strip()
    if len(text) <= limit:
        return [text] if text else []
    chunks: list[str] = []
    current = ""
    for sentence in _SENTENCE_END.split(text):
        if not sentence:
            continue
        while len(sentence) > limit:  # one endless sentence: cut it hard
            if current:
                chunks.append(current)
                current = ""
            chunks.append(sentence[:limit])
            sentence = sentence[limit:]
        if current and len(current) + 1 + len(sentence) > limit:
            chunks.append(current)
            current = sentence
        else:
            current = f"{current} {sentence}" if current else sentence
    if current:
        chunks.append(current)
    return chunks


def attributes_text(attributes: dict[str, Any]) -> str:
    parts = []
    for name, value in attributes.items():
        if value is None or value == "" or value == [] or value == {}:
            continue
        shown = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
        parts.append(f"{name.replace('_', ' ')}: {shown}")
    return "; ".join(parts)


def _digest(text: str) -> str:
    return hashlib.sha1(text.encode()).hexdigest()[:16]


def product_passages(product: Product, extra: Sequence[ProductPassage] = ()) -> list[Passage]:
    """Every passage of one product, duplicates (same field, language and text) dropped."""
    in_stock = None if product.stock is None else product.stock > 0
    seen: set[str] = set()
    out: list[Passage] = []

    def add(field: str, text: str, lang: str, limit: int = CHUNK_CHARS) -> None:
        for piece in chunk_text(text, limit):
            piece_lang = (lang or detect_lang(piece)).lower()
            pid = f"{product.sku}:{field}:{piece_lang}:{_digest(piece)}"
            if pid in seen:
                continue
            seen.add(pid)
            out.append(
                Passage(
                    passage_id=pid,
                    kind="product",
                    text=piece,
                    lang=piece_lang,
                    sku=product.sku,
                    field=field,
                    category=product.category,
                    brand=product.brand,
                    price=product.price,
                    in_stock=in_stock,
                )
            )

    for field, text, lang in _product_fields(product):
        add(field, text, lang)
    for passage in sorted(extra, key=lambda p: p.position):
        add(
            passage.source or "passage",
            passage.text,
            passage.lang or product.lang,
            PASSAGE_CHUNK_CHARS,
        )
    return out


def _product_fields(product: Product) -> Iterator[tuple[str, str, str]]:
    yield "title", product.title, product.lang
    yield "description", product.description, product.lang
    yield "attributes", attributes_text(product.attributes or {}), product.lang
    for lang, translated in (product.translations or {}).items():
        if not isinstance(translated, dict):
            continue
        for field in ("title", "description"):
            value = translated.get(field)
            if isinstance(value, str):
                yield field, value, str(lang)
        attrs = translated.get("attributes")
        if isinstance(attrs, dict):
            yield "attributes", attributes_text(attrs), str(lang)


def document_passages(doc: DocumentPassage) -> list[Passage]:
    """One document section; its heading is part of the text, since it names the topic."""
    body = doc.text.strip()
    heading = doc.heading.strip()
    text = body if not heading or body.startswith(heading) else f"{heading}\n{body}"
    out: list[Passage] = []
    for i, piece in enumerate(chunk_text(text)):
        out.append(
            Passage(
                passage_id=f"{document_passage_id(doc.path, doc.position)}:{i}:{_digest(piece)}",
                kind="document",
                text=piece,
                lang=(doc.lang or detect_lang(piece)).lower(),
                doc_path=doc.path,
                heading=doc.heading,
            )
        )
    return out


def version_token(content_hash: str, updated_at: Any) -> str:
    """Changes whenever an ingest changes a product or document passage."""
    stamp = updated_at.isoformat() if hasattr(updated_at, "isoformat") else str(updated_at)
    return f"{content_hash}@{stamp}"
