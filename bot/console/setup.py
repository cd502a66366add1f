"""Put the staff console on a running assistant's web app (the composition root's part)."""

from __future__ import annotations

from fastapi import FastAPI

from bot.assistant import AssistantRuntime
from bot.bus import LiveBus
from bot.console.app import install_console
from bot.console.context import ConsoleContext, StaffSender
from bot.console.settings import ConsoleSettings
from bot.console.wiring import connect_live


def attach_console(
    app: FastAPI,
    runtime: AssistantRuntime,
    bus: LiveBus,
    *,
    telegram: StaffSender | None = None,
    settings: ConsoleSettings | None = None,
) -> ConsoleContext:
    def reindex() -> None:
        # corrections published as FAQ are ingested, then the index catches up with them
        runtime.workspace.refresh()

    ctx = ConsoleContext(
        engine=runtime.workspace.engine,
        settings=settings or ConsoleSettings(),
        conversations=runtime.conversations,
        transcripts=runtime.transcripts,
        bus=bus,
        gateway=app.state.gateway,
        telegram=telegram,
        reindex=reindex,
        data_dir=runtime.workspace.catalog_settings.data_dir,
    )
    install_console(app, ctx)
    connect_live(ctx)
    return ctx
