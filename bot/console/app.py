"""Mount the staff console on the web app: pages, live events and analytics under /console."""

from __future__ import annotations

from pathlib import Path

from fastapi import Depends, FastAPI
from fastapi.staticfiles import StaticFiles

from bot.console.context import ConsoleContext

STATIC = Path(__file__).parent / "static"


def install_console(app: FastAPI, ctx: ConsoleContext) -> None:
    """Every console route refuses without a staff session (see bot/console/auth.py)."""
    from bot.console import auth_routes, gaps, inbox, live, transcript
    from bot.console.auth import current_staff
    from bot.console_analytics import analytics_router

    app.state.console = ctx
    app.mount("/console/static", StaticFiles(directory=STATIC), name="console-static")
    app.include_router(auth_routes.router)
    app.include_router(inbox.router)
    app.include_router(live.router)
    app.include_router(transcript.router)
    app.include_router(gaps.router)
    app.include_router(analytics_router(lambda: ctx.engine, dependencies=[Depends(current_staff)]))
