"""Keep the index in step with the catalog database: build, update, catch up, persist.

The index records the catalog version of every product and document passage
it holds. Opening it compares those versions with the database: a missing or
unreadable index, another embedder or another passage format means a full
build; otherwise only the products and passages that changed are re-read, and
only their new passage texts are embedded.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray
from sqlalchemy import Engine
from sqlmodel import col, select

from catalog.db import session_scope
from catalog.ingest import document_passage_id
from catalog.models import DocumentPassage, Product, ProductPassage
from retrieval.errors import IndexCorrupt, RetrievalError
from retrieval.index import GroupUpdate, HybridIndex, IndexParams
from retrieval.index_store import load_index, save_index
from retrieval.passages import PASSAGE_FORMAT, document_passages, product_passages, version_token
from retrieval.table import is_product_group, product_group
from retrieval.types import Embedder, Passage

log = logging.getLogger(__name__)
Progress = Callable[[int, int], None]  # (passages embedded so far, passages to embed)
# Products read from the database and applied to the index per step.
READ_BATCH = 1000
# Texts handed to the embedder per call.
EMBED_BATCH = 256


@dataclass(frozen=True)
class CatalogState:
    """The version of every product and document passage, as the database has them."""

    products: dict[str, str]  # sku -> version
    documents: dict[str, str]  # document passage id ("doc:{path}#{position}") -> version

    def groups(self) -> dict[str, str]:
        out = {product_group(sku): v for sku, v in self.products.items()}
        out.update(self.documents)
        return out


@dataclass(frozen=True)
class SyncReport:
    rebuilt: bool = False
    reason: str = ""
    updated_groups: int = 0
    removed_groups: int = 0
    embedded: int = 0

    @property
    def changed(self) -> bool:
        return self.rebuilt or bool(self.updated_groups or self.removed_groups)


def read_catalog_state(engine: Engine) -> CatalogState:
    with session_scope(engine) as session:
        products = session.exec(select(Product.sku, Product.content_hash, Product.updated_at)).all()
        documents = session.exec(
            select(
                DocumentPassage.path,
                DocumentPassage.position,
                DocumentPassage.content_hash,
                DocumentPassage.updated_at,
            )
        ).all()
    return CatalogState(
        products={sku: version_token(h, t) for sku, h, t in products},
        documents={
            document_passage_id(path, pos): version_token(h, t) for path, pos, h, t in documents
        },
    )


def index_info(embedder: Embedder) -> dict[str, object]:
    """What must match for a stored index to be reused at all."""
    return {"embedder": embedder.name, "dim": embedder.dimension, "passage_format": PASSAGE_FORMAT}


def fingerprint(index: HybridIndex) -> str:
    """A digest of everything the index holds, to tell at a glance whether two agree."""
    digest = hashlib.sha256(f"{index.embedder_name}|{PASSAGE_FORMAT}".encode())
    for group, version in sorted(index.versions.items()):
        digest.update(f"\n{group}\t{version}".encode())
    return digest.hexdigest()


def _chunks(items: Sequence[str], size: int) -> Iterable[Sequence[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _read_products(engine: Engine, skus: Sequence[str]) -> list[GroupUpdate]:
    with session_scope(engine) as session:
        products = session.exec(select(Product).where(col(Product.sku).in_(skus))).all()
        extras = session.exec(
            select(ProductPassage)
            .where(col(ProductPassage.sku).in_(skus))
            .order_by(col(ProductPassage.sku), col(ProductPassage.position))
        ).all()
    by_sku: dict[str, list[ProductPassage]] = {}
    for extra in extras:
        by_sku.setdefault(extra.sku, []).append(extra)
    return [
        GroupUpdate(
            group=product_group(p.sku),
            version=version_token(p.content_hash, p.updated_at),
            passages=tuple(product_passages(p, by_sku.get(p.sku, []))),
        )
        for p in products
    ]


def _read_documents(engine: Engine, ids: Sequence[str]) -> list[GroupUpdate]:
    wanted = set(ids)
    # Ids are "doc:{path}#{position}": fetch by path, keep the positions asked for.
    paths = sorted({i.removeprefix("doc:").rpartition("#")[0] for i in wanted})
    with session_scope(engine) as session:
        docs = session.exec(
            select(DocumentPassage).where(col(DocumentPassage.path).in_(paths))
        ).all()
    return [
        GroupUpdate(
            group=document_passage_id(d.path, d.position),
            version=version_token(d.content_hash, d.updated_at),
            passages=tuple(document_passages(d)),
        )
        for d in docs
        if document_passage_id(d.path, d.position) in wanted
    ]


def _embed(
    embedder: Embedder, passages: list[Passage], progress: Progress | None, done: int, total: int
) -> dict[str, NDArray[np.float32]]:
    vectors: dict[str, NDArray[np.float32]] = {}
    for start in range(0, len(passages), EMBED_BATCH):
        batch = passages[start : start + EMBED_BATCH]
        encoded = np.asarray(embedder.encode([p.search_text for p in batch], kind="passage"))
        if encoded.shape != (len(batch), embedder.dimension):
            raise RetrievalError(f"embedder returned shape {encoded.shape} for {len(batch)} texts")
        vectors.update({p.passage_id: encoded[i] for i, p in enumerate(batch)})
        if progress is not None:
            progress(done + start + len(batch), total)
    return vectors


def update_index(
    index: HybridIndex,
    engine: Engine,
    embedder: Embedder,
    changed_skus: Iterable[str] = (),
    deleted_skus: Iterable[str] = (),
    changed_document_ids: Iterable[str] = (),
    deleted_document_ids: Iterable[str] = (),
    progress: Progress | None = None,
) -> SyncReport:
    """Re-read the changed products and passages, drop the deleted ones; no full rebuild.

    A changed id that is no longer in the database is treated as deleted.
    """
    changed = sorted(set(changed_skus))
    changed_docs = sorted(set(changed_document_ids))
    removed = {product_group(s) for s in deleted_skus}
    removed |= set(deleted_document_ids)
    embedded = updated = 0
    steps: list[tuple[str, Sequence[str]]] = [("sku", c) for c in _chunks(changed, READ_BATCH)]
    steps += [("doc", c) for c in _chunks(changed_docs, READ_BATCH)]
    total = len(changed) + len(changed_docs)  # a rough unit for progress until texts are known
    for kind, keys in steps:
        updates = _read_products(engine, keys) if kind == "sku" else _read_documents(engine, keys)
        found = {u.group for u in updates}
        groups = [product_group(k) if kind == "sku" else k for k in keys]
        removed |= {g for g in groups if g not in found}
        todo = index.needs_vectors(updates)
        vectors = _embed(embedder, todo, progress, embedded, max(total, embedded + len(todo)))
        index.apply(updates, vectors, reshape=False)
        embedded += len(todo)
        updated += len(updates)
    removed_now = [g for g in removed if g in index.versions]
    index.apply([], {}, removed_groups=removed_now, reshape=False)
    index.reshape()
    return SyncReport(updated_groups=updated, removed_groups=len(removed_now), embedded=embedded)


def catch_up(
    index: HybridIndex, engine: Engine, embedder: Embedder, progress: Progress | None = None
) -> SyncReport:
    """Bring `index` level with the database by comparing versions."""
    state = read_catalog_state(engine).groups()
    held = index.versions
    changed = [g for g, v in state.items() if held.get(g) != v]
    gone = [g for g in held if g not in state]
    if not changed and not gone:
        return SyncReport()
    return update_index(
        index,
        engine,
        embedder,
        changed_skus=[g.removeprefix("sku:") for g in changed if is_product_group(g)],
        deleted_skus=[g.removeprefix("sku:") for g in gone if is_product_group(g)],
        changed_document_ids=[g for g in changed if not is_product_group(g)],
        deleted_document_ids=[g for g in gone if not is_product_group(g)],
        progress=progress,
    )


def build_index(
    engine: Engine, embedder: Embedder, params: IndexParams, progress: Progress | None = None
) -> HybridIndex:
    """A new index of the whole catalog."""
    index = HybridIndex(embedder.dimension, embedder.name, params)
    catch_up(index, engine, embedder, progress)
    return index


def open_index(
    engine: Engine,
    embedder: Embedder,
    directory: Path,
    params: IndexParams,
    progress: Progress | None = None,
) -> tuple[HybridIndex, SyncReport]:
    """Load the stored index, rebuild it when missing, corrupt or foreign, catch up, save."""
    reason = ""
    try:
        stored = load_index(directory, params)
    except IndexCorrupt as exc:
        log.warning("search index at %s is unreadable (%s); rebuilding", directory, exc)
        stored, reason = None, f"corrupt: {exc}"
    if stored is not None and stored.info.get("index") != index_info(embedder):
        reason = "built with another embedder or passage format"
        stored = None
    if stored is None:
        index = build_index(engine, embedder, params, progress)
        report = SyncReport(rebuilt=True, reason=reason or "missing")
    else:
        index = stored.index
        shape = (index.dense.kind, index.dense.nlist)
        report = catch_up(index, engine, embedder, progress)
        index.reshape()  # the kind setting may have changed since the index was saved
        reshaped = (index.dense.kind, index.dense.nlist) != shape
        if (
            not report.changed
            and not reshaped
            and stored.info.get("fingerprint") == fingerprint(index)
        ):
            return index, report
    save(index, embedder, directory)
    return index, report


def save(index: HybridIndex, embedder: Embedder, directory: Path) -> Path:
    return save_index(
        index, directory, {"index": index_info(embedder), "fingerprint": fingerprint(index)}
    )
