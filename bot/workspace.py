"""The composition root of one shop's data: settings -> database -> embedder -> index.

Commands and servers open a Workspace and ask it for what they need; the
embedder and the search index are made on first use, so a command that only
touches the database never loads a model.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Engine

from catalog.db import create_db_engine, init_schema
from catalog.ingest import IngestReport
from catalog.settings import CatalogSettings
from retrieval.hybrid import HybridRetriever
from retrieval.index import HybridIndex, IndexParams
from retrieval.reload import IndexReloader, load_published
from retrieval.settings import RetrievalSettings
from retrieval.sync import (
    Progress,
    SyncReport,
    catch_up,
    index_info,
    open_index,
    save,
    update_index,
)
from retrieval.types import Embedder

log = logging.getLogger(__name__)
EmbedderFactory = Callable[[RetrievalSettings], Embedder]


def _load_embedder(settings: RetrievalSettings) -> Embedder:
    # Imported here: loading torch is for the commands that need vectors.
    from retrieval.embedder import load_embedder

    return load_embedder(settings)


@dataclass
class Workspace:
    catalog_settings: CatalogSettings
    retrieval_settings: RetrievalSettings
    engine: Engine
    embedder_factory: EmbedderFactory = _load_embedder
    progress: Progress | None = None
    _embedder: Embedder | None = field(default=None, repr=False)
    _retriever: HybridRetriever | None = field(default=None, repr=False)
    # Read-only replicas (KEFU_INDEX_RELOAD_S > 0) follow the published index with this.
    reloader: IndexReloader | None = field(default=None, repr=False)
    # Servers touch the workspace from several threads; the model and index load once.
    _lock: threading.RLock = field(default_factory=threading.RLock, repr=False)

    @property
    def index_dir(self) -> Path:
        """The index lives beside the database, in the catalog's data directory."""
        return self.catalog_settings.data_dir / "index"

    @property
    def params(self) -> IndexParams:
        return IndexParams.from_settings(self.retrieval_settings)

    @property
    def embedder(self) -> Embedder:
        with self._lock:
            if self._embedder is None:
                self._embedder = self.embedder_factory(self.retrieval_settings)
            return self._embedder

    @property
    def retriever(self) -> HybridRetriever:
        """The search engine over the stored index, built or caught up with the catalog first."""
        with self._lock:
            if self._retriever is None:
                settings = self.retrieval_settings
                if settings.index_reload_s > 0:
                    self._retriever = self._follow_published_index(settings.index_reload_s)
                    return self._retriever
                index, report = open_index(
                    self.engine, self.embedder, self.index_dir, self.params, self.progress
                )
                if report.changed:
                    log.info("search index: %s", report)
                self._retriever = self._retriever_over(index)
            return self._retriever

    def _retriever_over(self, index: HybridIndex) -> HybridRetriever:
        settings = self.retrieval_settings
        return HybridRetriever(
            index,
            self.embedder,
            workers=settings.search_workers,
            max_pending=settings.search_max_pending,
        )

    def _follow_published_index(self, interval_s: float) -> HybridRetriever:
        """Read-only: load the published index (never build or write it) and watch for more."""
        expected = index_info(self.embedder)
        stored = load_published(self.index_dir, self.params, expected)
        retriever = self._retriever_over(stored.index)
        self.reloader = IndexReloader(
            retriever,
            self.index_dir,
            self.params,
            expected,
            interval_s=interval_s,
            serving=stored.path,
        )
        self.reloader.start()
        log.info("search index %s, reloaded when a newer one is published", stored.path.name)
        return retriever

    @property
    def index(self) -> HybridIndex:
        return self.retriever.index

    def apply_ingest(self, report: IngestReport) -> SyncReport:
        """Bring the index up to date after an ingest, re-embedding only what changed."""
        if not (
            report.changed_skus
            or report.deleted_skus
            or report.changed_passage_ids
            or report.deleted_passage_ids
        ):
            return SyncReport()
        if self._retriever is None:
            # Opening the index catches up with the whole database, this report included.
            _ = self.retriever
            return SyncReport(updated_groups=len(report.changed_skus | report.changed_passage_ids))
        index = self._retriever.index
        result = update_index(
            index,
            self.engine,
            self.embedder,
            changed_skus=report.changed_skus,
            deleted_skus=report.deleted_skus,
            changed_document_ids=report.changed_passage_ids,
            deleted_document_ids=report.deleted_passage_ids,
            progress=self.progress,
        )
        save(index, self.embedder, self.index_dir)
        return result

    def refresh(self) -> SyncReport:
        """Catch up with changes another process made to the database."""
        index = self.retriever.index
        result = catch_up(index, self.engine, self.embedder, self.progress)
        if result.changed:
            save(index, self.embedder, self.index_dir)
        return result

    def close(self, dispose_engine: bool = True) -> None:
        if self.reloader is not None:
            self.reloader.stop()
        if self._retriever is not None:
            self._retriever.close()
        if dispose_engine:
            self.engine.dispose()


def open_workspace(
    catalog_settings: CatalogSettings | None = None,
    retrieval_settings: RetrievalSettings | None = None,
    *,
    embedder_factory: EmbedderFactory | None = None,
    progress: Progress | None = None,
) -> Workspace:
    """Connect to the shop's database (creating its tables where missing)."""
    catalog_settings = catalog_settings or CatalogSettings()
    retrieval_settings = retrieval_settings or RetrievalSettings()
    engine = create_db_engine(catalog_settings.resolved_database_url())
    init_schema(engine)
    return Workspace(
        catalog_settings=catalog_settings,
        retrieval_settings=retrieval_settings,
        engine=engine,
        embedder_factory=embedder_factory or _load_embedder,
        progress=progress,
    )


def index_after_ingest(engine: Engine, report: IngestReport) -> None:
    """Ingest hook: update the workspace's search index from the ingest report."""
    if report.kind == "orders":
        return
    workspace = Workspace(CatalogSettings(), RetrievalSettings(), engine)
    try:
        result = workspace.apply_ingest(report)
        if result.changed:
            log.info("search index updated: %s", result)
    finally:
        workspace.close(dispose_engine=False)  # the ingest command owns `engine`
