"""A demo-shop assistant for tests: the shipped demo catalog, a tiny embedder, a scripted LM."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from bot.workspace import Workspace, open_workspace
from catalog.demo import DOCS_DIR, ORDERS_FILE, PRODUCTS_FILE
from catalog.ingest import ingest_catalog, ingest_documents, ingest_orders
from catalog.settings import CatalogSettings
from dialogue.transcript_tables import create_transcript_tables
from retrieval.settings import RetrievalSettings
from retrieval.types import Embedder


@dataclass
class DemoShop:
    workspace: Workspace
    data_dir: Path


def open_demo_shop(data_dir: Path, embedder: Embedder) -> DemoShop:
    """Ingest the demo shop into a fresh SQLite workspace and build its index."""
    workspace = open_workspace(
        CatalogSettings(data_dir=data_dir),
        RetrievalSettings(data_dir=data_dir),
        embedder_factory=lambda _settings: embedder,
    )
    create_transcript_tables(workspace.engine)
    ingest_catalog(workspace.engine, PRODUCTS_FILE)
    ingest_documents(workspace.engine, DOCS_DIR)
    ingest_orders(workspace.engine, ORDERS_FILE)
    _ = workspace.retriever  # builds the index
    return DemoShop(workspace, data_dir)
