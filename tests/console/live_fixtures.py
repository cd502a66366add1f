"""A console on a real web gateway: SQLite, the transcript writer, the live bus, logged-in staff.

Everything but the dialogue manager is the production code; the manager is the
web tests' scripted one, so turns are fast and their text is known.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from fastapi import FastAPI
from sqlalchemy import Engine
from sqlmodel import SQLModel

from bot.bus import LiveBus, MemoryBus
from bot.console.app import install_console
from bot.console.auth import COOKIE
from bot.console.context import ConsoleContext
from bot.console.hub import ConsoleSocket
from bot.console.sessions import SessionPolicy, log_in
from bot.console.settings import ConsoleSettings
from bot.console.staff_store import add_staff
from bot.console.wiring import connect_live
from bot.web.gateway import Gateway
from bot.web.products import InMemoryProductLookup, ProductView
from bot.web.store import InMemoryConversationStore
from dialogue.conversations import ConversationRepo
from dialogue.transcripts import SqlTranscriptStore, TranscriptWriter
from tests.support.databases import sqlite_engine
from tests.web.scripted import ScriptedDialogueManager

PASSWORD = "correct horse battery staple"
POLICY = SessionPolicy(
    idle=timedelta(hours=1), absolute=timedelta(hours=8), lockout_after=5, lockout_seconds=30
)


@dataclass
class Staff:
    client: httpx.AsyncClient
    csrf: str
    email: str

    async def post(self, path: str, **form: str) -> httpx.Response:
        return await self.client.post(path, data=form, headers={"X-CSRF-Token": self.csrf})


@dataclass
class LiveConsole:
    engine: Engine
    app: FastAPI
    ctx: ConsoleContext
    gateway: Gateway
    store: InMemoryConversationStore
    transcripts: TranscriptWriter
    manager: ScriptedDialogueManager

    def staff(self, email: str, role: str = "agent", name: str = "") -> Staff:
        add_staff(self.engine, email, PASSWORD, role=role, name=name)
        result = log_in(self.engine, email, PASSWORD, policy=POLICY, now=datetime.now(UTC))
        assert result.staff is not None and result.token
        client = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=self.app), base_url="http://testserver"
        )
        client.cookies.set(COOKIE, result.token, path="/console")
        return Staff(client, result.staff.csrf_token, email)

    def listen(self, *, admin: bool = False) -> ConsoleSocket:
        """A console socket joined to the hub, as /console/ws would join it."""
        socket = ConsoleSocket("watcher@shop.example", admin)
        self.ctx.hub.join(socket)
        return socket


def build_live_console(
    directory: Path,
    products: list[ProductView],
    bus: LiveBus | None = None,
    engine: Engine | None = None,
) -> LiveConsole:
    engine = engine or sqlite_engine(directory)
    SQLModel.metadata.create_all(engine)
    store = InMemoryConversationStore()
    manager = ScriptedDialogueManager(products)
    bus = bus or MemoryBus()
    gateway = Gateway(manager, store, InMemoryProductLookup(products), bus=bus)
    transcripts = TranscriptWriter(SqlTranscriptStore(engine), directory / "spool")
    ctx = ConsoleContext(
        engine=engine,
        settings=ConsoleSettings(),
        conversations=ConversationRepo(engine),
        transcripts=transcripts,
        bus=bus,
        gateway=gateway,
    )
    app = FastAPI()
    install_console(app, ctx)
    connect_live(ctx)
    return LiveConsole(engine, app, ctx, gateway, store, transcripts, manager)


async def running(console: LiveConsole) -> AsyncIterator[LiveConsole]:
    console.transcripts.start()
    try:
        yield console
    finally:
        await console.transcripts.stop()
        await console.gateway.shutdown()


async def drain(socket: ConsoleSocket, *, settle: float = 0.05) -> list[str]:
    """Frames queued for a console socket so far (after letting pending tasks run)."""
    await asyncio.sleep(settle)
    frames = []
    while not socket.queue.empty():
        frames.append(socket.queue.get_nowait())
    return frames
