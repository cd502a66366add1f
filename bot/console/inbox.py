"""The inbox (every conversation, filtered and searched) and the waiting queue."""

from __future__ import annotations

import asyncio
import time
from dataclasses import replace
from datetime import UTC, date, datetime
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import HTMLResponse
from sqlmodel import Session, col, select

from analytics import AnalyticsSettings, Filters, InvalidFilters, Scope, conversation_ids
from analytics.sql import for_analytics
from bot.console.auth import current_staff
from bot.console.context import ConsoleContext, console_context
from bot.console.inbox_query import OWNERS, InboxFilters, InboxRow, inbox_page
from bot.console.render import render
from bot.console.staff_user import StaffUser
from dialogue.privacy import mask_pii
from dialogue.transcript_tables import Conversation
from dialogue.understand.intents import INTENTS

router = APIRouter(prefix="/console", tags=["console"])
Staff = Annotated[StaffUser, Depends(current_staff)]
Ctx = Annotated[ConsoleContext, Depends(console_context)]
MAX_FIGURE_IDS = 1000


def _optional_int(value: str) -> int | None:
    try:
        return int(value) if value.strip() else None
    except ValueError as exc:
        raise HTTPException(422, f"not a number: {value!r}") from exc


def _optional_date(value: str) -> date | None:
    try:
        return date.fromisoformat(value) if value.strip() else None
    except ValueError as exc:
        raise HTTPException(422, f"not a date (YYYY-MM-DD): {value!r}") from exc


@router.get("", response_class=HTMLResponse, summary="Inbox")
async def inbox(
    request: Request,
    staff: Staff,
    ctx: Ctx,
    q: Annotated[str, Query(max_length=200)] = "",
    channel: str = "",
    owner: str = "",
    lang: str = "",
    intent: str = "",
    csat: str = "",
    failed: bool = False,
    handed_off: bool = False,
    start: Annotated[str, Query(alias="from")] = "",
    end: Annotated[str, Query(alias="to")] = "",
    page: Annotated[int, Query(ge=1, le=10_000)] = 1,
) -> HTMLResponse:
    filters = InboxFilters(
        q=q,
        channel=channel,
        owner=owner,
        lang=lang,
        intent=intent,
        csat=_optional_int(csat),
        failed=failed,
        handed_off=handed_off,
        start=_optional_date(start),
        end=_optional_date(end),
        page=page,
    )
    started = time.perf_counter()
    result = await asyncio.to_thread(inbox_page, ctx.engine, filters)
    elapsed_ms = (time.perf_counter() - started) * 1000
    rows = [
        r if staff.is_admin else replace(r, preview=mask_pii(r.preview).text) for r in result.rows
    ]
    return render(
        request,
        "inbox.html",
        staff=staff,
        nav="inbox",
        filters=filters,
        rows=rows,
        has_more=result.has_more,
        owners=OWNERS,
        intents=INTENTS,
        elapsed_ms=elapsed_ms,
    )


@router.get("/conversations", response_class=HTMLResponse, summary="Behind a figure")
async def behind_a_figure(
    request: Request,
    staff: Staff,
    ctx: Ctx,
    metric: str = "",
    key: str = "",
    ids: str = "",
    start: Annotated[str, Query(alias="from")] = "",
    end: Annotated[str, Query(alias="to")] = "",
    channel: Annotated[list[str], Query()] = [],  # noqa: B006 - FastAPI copies defaults
    lang: Annotated[list[str], Query()] = [],  # noqa: B006
    page: Annotated[int, Query(ge=1, le=10_000)] = 1,
) -> HTMLResponse:
    """The conversations an analytics figure counts (its drill-down link lands here)."""
    if ids:
        chosen = tuple(i for i in ids.split(",") if i)[:MAX_FIGURE_IDS]
    elif metric:
        chosen = await asyncio.to_thread(
            _figure_ids, ctx, metric, key, _optional_date(start), _optional_date(end), channel, lang
        )
    else:
        raise HTTPException(422, "Say which figure: metric=… or ids=…")
    filters = InboxFilters(ids=chosen or ("",), page=page)
    result = await asyncio.to_thread(inbox_page, ctx.engine, filters)
    return render(
        request,
        "inbox.html",
        staff=staff,
        nav="analytics",
        filters=filters,
        rows=_masked(result.rows, staff),
        has_more=result.has_more,
        owners=OWNERS,
        intents=INTENTS,
        elapsed_ms=0.0,
        figure=f"{metric} {key}".strip() or "selected conversations",
        # the pager repeats the figure's own query, not its (possibly long) list of ids
        figure_query=urlencode(
            [(k, v) for k, v in request.query_params.multi_items() if k != "page"]
        ),
    )


def _figure_ids(
    ctx: ConsoleContext,
    metric: str,
    key: str,
    start: date | None,
    end: date | None,
    channels: list[str],
    langs: list[str],
) -> tuple[str, ...]:
    settings = AnalyticsSettings()
    last = end or datetime.now(UTC).date()
    try:
        filters = Filters(
            start or last, last, tuple(c for c in channels if c), tuple(x for x in langs if x)
        )
        scope = Scope.of(filters, settings)
        with ctx.engine.connect() as conn:
            return tuple(conversation_ids(for_analytics(conn), scope, metric, key, MAX_FIGURE_IDS))
    except InvalidFilters as exc:
        raise HTTPException(422, str(exc)) from exc


def _masked(rows: list[InboxRow], staff: StaffUser) -> list[InboxRow]:
    return [r if staff.is_admin else replace(r, preview=mask_pii(r.preview).text) for r in rows]


@router.get("/queue", response_class=HTMLResponse, summary="Waiting queue")
async def queue(request: Request, staff: Staff, ctx: Ctx) -> HTMLResponse:
    waiting, mine = await asyncio.to_thread(_queue, ctx, staff.email)
    now = datetime.now(UTC)
    return render(
        request,
        "queue.html",
        staff=staff,
        nav="queue",
        waiting=[(c, _age_s(c.owner_since or c.last_activity_at, now)) for c in waiting],
        mine=mine,
    )


@router.get("/queue.json", summary="Waiting conversations (for the badge)")
async def queue_json(staff: Staff, ctx: Ctx) -> dict[str, object]:
    waiting, mine = await asyncio.to_thread(_queue, ctx, staff.email)
    now = datetime.now(UTC)
    return {
        "waiting": [
            {"id": c.id, "channel": c.channel, "waited_s": _age_s(c.owner_since, now)}
            for c in waiting
        ],
        "mine": [c.id for c in mine],
    }


def _queue(ctx: ConsoleContext, email: str) -> tuple[list[Conversation], list[Conversation]]:
    with Session(ctx.engine) as session:
        waiting = session.exec(
            select(Conversation)
            .where(col(Conversation.owner) == "waiting")
            .order_by(col(Conversation.owner_since), col(Conversation.last_activity_at))
            .limit(200)
        ).all()
        mine = session.exec(
            select(Conversation)
            .where(col(Conversation.owner) == "staff", col(Conversation.owner_staff) == email)
            .order_by(col(Conversation.last_activity_at).desc())
            .limit(200)
        ).all()
    return list(waiting), list(mine)


def _age_s(at: datetime | None, now: datetime) -> int | None:
    if at is None:
        return None
    at = at if at.tzinfo else at.replace(tzinfo=UTC)
    return max(0, int((now - at).total_seconds()))
