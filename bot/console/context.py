"""What every console route needs, built once by the composition root.

Routes read it from `request.app.state.console`; tests build one around a
temporary database and fakes where a channel is not under test.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from fastapi import Request
from sqlalchemy import Engine
from starlette.websockets import WebSocket

from bot.bus import LiveBus, MemoryBus
from bot.console.hub import ConsoleHub
from bot.console.settings import ConsoleSettings
from bot.web.gateway import Gateway
from dialogue.conversations import ConversationRepo
from dialogue.transcripts import TranscriptWriter


class StaffSender(Protocol):
    """A channel that can deliver a staff member's message (the Telegram gateway)."""

    async def send_staff(
        self, conversation_id: str, staff_name: str, body: str, *, message_id: str
    ) -> bool: ...

    async def send_typing(self, conversation_id: str) -> None: ...


@dataclass
class ConsoleContext:
    engine: Engine
    settings: ConsoleSettings
    conversations: ConversationRepo
    # staff replies are logged through the same writer as the bot's answers
    transcripts: TranscriptWriter | None = None
    bus: LiveBus = field(default_factory=MemoryBus)
    # the web channel served by this process, for staff replies to widget shoppers
    gateway: Gateway | None = None
    hub: ConsoleHub = field(default_factory=ConsoleHub)
    telegram: StaffSender | None = None
    # rebuilds the search index after documents change (FAQ from corrections)
    reindex: Callable[[], None] | None = None
    # where console-written documents go (the FAQ); None: the catalog's data directory
    data_dir: Path | None = None


def console_context(request: Request) -> ConsoleContext:
    ctx: ConsoleContext = request.app.state.console
    return ctx


def console_context_ws(websocket: WebSocket) -> ConsoleContext:
    ctx: ConsoleContext = websocket.app.state.console
    return ctx
