"""The composition root of the assistant: settings → workspace → models → dialogue manager.

Models are loaded once here, in worker threads, and shared by every channel.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

from sqlmodel import Session, select

from bot.workspace import Workspace, open_workspace
from catalog.demo import DOCS_DIR, ORDERS_FILE, PRODUCTS_FILE
from catalog.ingest import ingest_catalog, ingest_documents, ingest_orders
from catalog.models import Product
from dialogue.conversations import ConversationRepo
from dialogue.lm.types import LanguageModel
from dialogue.manager import ShopAssistant
from dialogue.message_search import create_search_tables
from dialogue.orders import OrderDesk
from dialogue.settings import DialogueSettings
from dialogue.similarity import EmbedderSimilarity
from dialogue.transcript_tables import create_transcript_tables
from dialogue.transcripts import SqlTranscriptStore, TranscriptWriter
from dialogue.understand.classifier import IntentClassifier
from dialogue.vocabulary import load_vocabulary

log = logging.getLogger(__name__)


@dataclass
class AssistantRuntime:
    workspace: Workspace
    manager: ShopAssistant
    conversations: ConversationRepo
    transcripts: TranscriptWriter
    orders: OrderDesk
    lm: LanguageModel | None

    async def aclose(self) -> None:
        """Finish transcript writes, then release the model and the database."""
        await self.transcripts.stop()
        if self.lm is not None:
            await self.lm.aclose()
        self.workspace.close()


def catalog_is_empty(workspace: Workspace) -> bool:
    with Session(workspace.engine) as session:
        return session.exec(select(Product.sku).limit(1)).first() is None


def load_demo_shop(workspace: Workspace) -> None:
    """Ingest the shipped demo shop (first start of `kefu run` on an empty catalog)."""
    log.info("empty catalog: loading the demo shop")
    ingest_catalog(workspace.engine, PRODUCTS_FILE)
    ingest_documents(workspace.engine, DOCS_DIR)
    ingest_orders(workspace.engine, ORDERS_FILE)


async def start_assistant(
    *,
    workspace: Workspace | None = None,
    settings: DialogueSettings | None = None,
    lm: LanguageModel | None = None,
    use_lm: bool = True,
    demo_if_empty: bool = False,
) -> AssistantRuntime:
    """Open the shop, load the models and return a ready dialogue manager."""
    if workspace is None:
        workspace = await asyncio.to_thread(open_workspace)
    settings = settings or DialogueSettings()
    create_transcript_tables(workspace.engine)
    create_search_tables(workspace.engine)
    if demo_if_empty and await asyncio.to_thread(catalog_is_empty, workspace):
        await asyncio.to_thread(load_demo_shop, workspace)
    ws = workspace
    retriever = await asyncio.to_thread(lambda: ws.retriever)
    classifier = await asyncio.to_thread(IntentClassifier.load, settings, workspace.embedder)
    if lm is None and use_lm:
        from dialogue.lm.factory import build_language_model

        lm = await asyncio.to_thread(build_language_model, settings)
    vocabulary = await asyncio.to_thread(load_vocabulary, workspace.engine)
    transcripts = TranscriptWriter(
        SqlTranscriptStore(workspace.engine), workspace.catalog_settings.data_dir / "spool"
    )
    transcripts.start()
    conversations = ConversationRepo(workspace.engine)
    orders = OrderDesk(workspace.engine)
    manager = ShopAssistant(
        engine=workspace.engine,
        retriever=retriever,
        classifier=classifier,
        vocabulary=vocabulary,
        lm=lm,
        orders=orders,
        conversations=conversations,
        transcripts=transcripts,
        settings=settings,
        similarity=EmbedderSimilarity(workspace.embedder, settings.extractive_min_similarity),
    )
    return AssistantRuntime(workspace, manager, conversations, transcripts, orders, lm)
