"""`kefu run`: the whole assistant in one process — demo shop, widget, API, and Telegram."""

from __future__ import annotations

import asyncio
import logging
import signal
from types import FrameType

import typer
from fastapi import FastAPI

from bot import metrics
from bot.assistant import AssistantRuntime, start_assistant
from bot.bus import LiveBus, LiveBusError, make_bus
from bot.console.setup import attach_console
from bot.logs import configure_logging
from bot.migrate import upgrade_database
from bot.telegram.gateway import start_telegram
from bot.web import WebSettings, create_app
from bot.web.app import serve_async
from bot.web.products import SqlProductLookup
from bot.web.signals import SqlShopperSignals
from bot.web.sql_store import SqlConversationStore
from catalog.errors import CatalogError
from dialogue.transcript_feedback import TranscriptFeedback

log = logging.getLogger(__name__)


def run_command(
    host: str = typer.Option(None, help="Address to listen on (default KEFU_WEB_HOST)."),
    port: int = typer.Option(None, help="Port to listen on (default KEFU_WEB_PORT)."),
    demo: bool = typer.Option(True, help="Load the demo shop when the catalog is empty."),
    db_upgrade: bool = typer.Option(
        True, help="Migrate the database schema first (off where a deploy job migrates)."
    ),
) -> None:
    """Start the shop assistant: web widget and API, and Telegram when a token is set."""
    configure_logging()
    asyncio.run(_run(host, port, demo, db_upgrade))


async def _run(host: str | None, port: int | None, demo: bool, db_upgrade: bool) -> None:
    web_settings = WebSettings()
    if db_upgrade:
        try:
            status = await asyncio.to_thread(upgrade_database)
        except CatalogError as exc:
            typer.echo(f"kefu run: cannot migrate the database: {exc}", err=True)
            raise typer.Exit(1) from exc
        log.info("database schema at revision %s", status.current)
    typer.echo("kefu: loading the shop and the models (the first start converts them once)…")
    runtime = await start_assistant(demo_if_empty=demo)
    bus = make_bus(web_settings.redis_url)
    try:
        try:
            await bus.start()
        except LiveBusError as exc:
            typer.echo(f"kefu run: {exc} (check KEFU_REDIS_URL)", err=True)
            raise typer.Exit(1) from exc
        app = build_web_app(runtime, web_settings, bus=bus)
        # Telegram's thumbs and ratings go onto the transcript, where analytics reads them.
        feedback = TranscriptFeedback(runtime.workspace.engine)
        telegram = await start_telegram(
            runtime.manager, orders=runtime.orders, app=app, feedback=feedback
        )
        if telegram is not None:
            typer.echo("kefu: Telegram bot started")
        attach_console(app, runtime, bus, telegram=telegram)
        address = f"{host or web_settings.host}:{port or web_settings.port}"
        typer.echo(f"kefu: demo shop and widget on http://{address}/")
        stop_counting = metrics.observe_turns()
        _watch_transcripts(runtime)
        _keep_running_after_sigterm()
        try:
            await serve_async(app, web_settings, host=host, port=port)
        finally:
            stop_counting()
            if telegram is not None:
                await telegram.stop()
    finally:
        await bus.close()
        await runtime.aclose()


def build_web_app(
    runtime: AssistantRuntime, settings: WebSettings, *, bus: LiveBus | None = None
) -> FastAPI:
    engine = runtime.workspace.engine
    store = SqlConversationStore(engine)
    store.create_tables()

    async def ready() -> bool:
        # Models and the index load before the app is built; a manager without them is broken.
        manager = runtime.manager
        return manager.retriever is not None and manager.classifier is not None

    return create_app(
        runtime.manager,
        store,
        SqlProductLookup(engine),
        settings,
        ready=ready,
        signals=SqlShopperSignals(engine),
        bus=bus,
    )


def _watch_transcripts(runtime: AssistantRuntime) -> None:
    writer = runtime.transcripts
    metrics.watch_queue("transcript_writer", lambda: writer.queued)
    metrics.watch_queue("transcript_spool", lambda: writer.spooled)


def _keep_running_after_sigterm() -> None:
    """Make SIGTERM a graceful stop: uvicorn drains, then the cleanup after it runs.

    uvicorn stops on SIGTERM and, once drained, raises the signal again with the
    handler it found at start; with the default one the process would die there,
    before Telegram stops and the transcript writer flushes. This handler only logs.
    """

    def on_sigterm(signum: int, frame: FrameType | None) -> None:
        log.info("SIGTERM: answers in flight finish, transcripts flush, then kefu exits")

    signal.signal(signal.SIGTERM, on_sigterm)
