"""A demo-shop assistant for tests: the shipped demo catalog, a tiny embedder, a scripted LM."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlmodel import Session, select

from bot.workspace import Workspace, open_workspace
from catalog.demo import DOCS_DIR, ORDERS_FILE, PRODUCTS_FILE
from catalog.ingest import ingest_catalog, ingest_documents, ingest_orders
from catalog.models import Product
from catalog.settings import CatalogSettings
from dialogue.conversations import ConversationRepo
from dialogue.lm.types import LanguageModel
from dialogue.manager import ShopAssistant
from dialogue.orders import OrderDesk
from dialogue.settings import DialogueSettings
from dialogue.transcript_tables import create_transcript_tables
from dialogue.transcripts import SqlTranscriptStore, TranscriptWriter
from dialogue.understand.classifier import IntentClassifier
from dialogue.understand.types import Vocabulary
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


def build_assistant(
    shop: DemoShop, classifier: IntentClassifier, lm: LanguageModel | None, **settings: object
) -> tuple[ShopAssistant, TranscriptWriter]:
    """The real dialogue manager over the demo shop, with `lm` and these dialogue settings."""
    engine = shop.workspace.engine
    with Session(engine) as session:
        products = session.exec(select(Product)).all()
    vocabulary = Vocabulary.from_lists(
        sorted({p.category for p in products}), sorted({p.brand for p in products})
    )
    writer = TranscriptWriter(SqlTranscriptStore(engine), shop.data_dir / "spool")
    manager = ShopAssistant(
        engine=engine,
        retriever=shop.workspace.retriever,
        classifier=classifier,
        vocabulary=vocabulary,
        lm=lm,
        orders=OrderDesk(engine),
        conversations=ConversationRepo(engine),
        transcripts=writer,
        settings=DialogueSettings(data_dir=shop.data_dir, **settings),  # type: ignore[arg-type]
    )
    return manager, writer
