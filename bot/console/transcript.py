"""The transcript page and its review actions.

    GET  /console/c/{id}                          the conversation, turn by turn, with checks
    POST /console/c/{id}/turns/{turn}/reveal      admins: show one turn unmasked (audited)
    POST /console/c/{id}/turns/{turn}/review      mark an answer correct or wrong (+ correction)
    POST /console/c/{id}/tags                     add or remove a tag (op=add|remove)
    POST /console/c/{id}/notes                    add a note

Every POST needs the session's CSRF token and is written to the audit log.
Input a staff member can fix re-renders the page with the message and what they
typed, so nothing is lost.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Annotated, Literal
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from bot.console.auth import current_staff, record_audit, require_csrf
from bot.console.context import ConsoleContext, console_context
from bot.console.render import render
from bot.console.review import (
    NotAnAnswer,
    ReviewError,
    add_note,
    add_tag,
    mark_answer,
    remove_tag,
)
from bot.console.staff_tables import AuditEntry, utcnow
from bot.console.staff_user import StaffUser
from bot.console.transcript_view import load_transcript, turn_text
from dialogue.transcript_tables import Conversation

router = APIRouter(prefix="/console", tags=["console"])
Ctx = Annotated[ConsoleContext, Depends(console_context)]
Reader = Annotated[StaffUser, Depends(current_staff)]
Writer = Annotated[StaffUser, Depends(require_csrf)]
# One view_transcript entry per staff member and conversation in this time keeps the log readable.
VIEW_AUDIT_EVERY = timedelta(hours=1)


@router.get("/c/{conversation_id}", response_class=HTMLResponse)
async def transcript_page(
    request: Request, conversation_id: str, staff: Reader, ctx: Ctx
) -> HTMLResponse:
    return await _page(request, ctx, staff, conversation_id)


@router.post("/c/{conversation_id}/turns/{turn_id}/reveal", response_class=HTMLResponse)
async def reveal(
    request: Request, conversation_id: str, turn_id: str, staff: Writer, ctx: Ctx
) -> HTMLResponse:
    """An admin sees one turn's text as the shopper wrote it; every reveal is audited."""
    if not staff.is_admin:
        raise HTTPException(status_code=403, detail="admins only")
    if await asyncio.to_thread(turn_text, ctx.engine, conversation_id, turn_id) is None:
        raise HTTPException(status_code=404, detail="no such turn in this conversation")
    await asyncio.to_thread(
        record_audit,
        ctx.engine,
        staff,
        "reveal_pii",
        conversation_id=conversation_id,
        detail=f"turn {turn_id}",
    )
    return await _page(request, ctx, staff, conversation_id, reveal=turn_id)


@router.post("/c/{conversation_id}/turns/{turn_id}/review", response_model=None)
async def review_answer(
    request: Request,
    conversation_id: str,
    turn_id: str,
    staff: Writer,
    ctx: Ctx,
    verdict: Annotated[str, Form()] = "",
    correction: Annotated[str, Form()] = "",
) -> Response:
    try:
        review = await asyncio.to_thread(
            mark_answer, ctx.engine, conversation_id, turn_id, verdict, correction, staff
        )
    except NotAnAnswer as exc:
        raise HTTPException(status_code=404, detail=str(exc)) from exc
    except ReviewError as exc:
        return await _page(
            request, ctx, staff, conversation_id, status=400, error=str(exc),
            draft={"turn": turn_id, "correction": correction},
        )  # fmt: skip
    detail = f"turn {turn_id}: {review.verdict}"
    if review.correction:
        detail += f" — {review.correction[:200]}"
    await _audit(ctx.engine, staff, "mark_answer", conversation_id, detail)
    return _back(conversation_id, f"turn-{turn_id}")


@router.post("/c/{conversation_id}/tags", response_model=None)
async def tag(
    request: Request,
    conversation_id: str,
    staff: Writer,
    ctx: Ctx,
    tag: Annotated[str, Form()] = "",
    op: Annotated[Literal["add", "remove"], Form()] = "add",
) -> Response:
    await _known(ctx.engine, conversation_id)
    try:
        if op == "add":
            done = await asyncio.to_thread(add_tag, ctx.engine, conversation_id, tag, staff)
        else:
            done = await asyncio.to_thread(remove_tag, ctx.engine, conversation_id, tag)
    except ReviewError as exc:
        return await _page(
            request, ctx, staff, conversation_id, status=400, error=str(exc), draft={"tag": tag}
        )
    await _audit(ctx.engine, staff, "tag", conversation_id, f"{op}: {done}")
    return _back(conversation_id, "review")


@router.post("/c/{conversation_id}/notes", response_model=None)
async def note(
    request: Request,
    conversation_id: str,
    staff: Writer,
    ctx: Ctx,
    text: Annotated[str, Form()] = "",
) -> Response:
    await _known(ctx.engine, conversation_id)
    try:
        added = await asyncio.to_thread(add_note, ctx.engine, conversation_id, text, staff)
    except ReviewError as exc:
        return await _page(
            request, ctx, staff, conversation_id, status=400, error=str(exc), draft={"note": text}
        )
    await _audit(ctx.engine, staff, "note", conversation_id, f"note {added.id}")
    return _back(conversation_id, "notes")


async def _page(
    request: Request,
    ctx: ConsoleContext,
    staff: StaffUser,
    conversation_id: str,
    *,
    status: int = 200,
    error: str = "",
    reveal: str | None = None,
    draft: dict[str, str] | None = None,
) -> HTMLResponse:
    view = await asyncio.to_thread(load_transcript, ctx.engine, conversation_id, reveal=reveal)
    if view is None:
        return render(
            request, "transcript_missing.html", status=404, staff=staff, nav="inbox",
            conversation_id=conversation_id,
        )  # fmt: skip
    await asyncio.to_thread(_audit_view_once, ctx.engine, staff, conversation_id)
    return render(
        request,
        "transcript.html",
        status=status,
        staff=staff,
        nav="inbox",
        view=view,
        conversation=view.conversation,
        conversation_id=conversation_id,
        error=error,
        draft=draft or {},
    )


def _audit_view_once(engine: Engine, staff: StaffUser, conversation_id: str) -> None:
    since = utcnow() - VIEW_AUDIT_EVERY
    with Session(engine) as session:
        recent = session.exec(
            select(AuditEntry.id)
            .where(
                AuditEntry.conversation_id == conversation_id,
                AuditEntry.staff_id == staff.id,
                AuditEntry.action == "view_transcript",
                col(AuditEntry.at) >= since,
            )
            .limit(1)
        ).first()
    if recent is None:
        record_audit(engine, staff, "view_transcript", conversation_id=conversation_id)


async def _audit(
    engine: Engine, staff: StaffUser, action: str, conversation_id: str, detail: str
) -> None:
    await asyncio.to_thread(
        record_audit, engine, staff, action, conversation_id=conversation_id, detail=detail
    )


async def _known(engine: Engine, conversation_id: str) -> None:
    def exists() -> bool:
        with Session(engine) as session:
            return session.get(Conversation, conversation_id) is not None

    if not await asyncio.to_thread(exists):
        raise HTTPException(status_code=404, detail="no such conversation")


def _back(conversation_id: str, anchor: str) -> RedirectResponse:
    """After a change: back to the page (a reload then does not post again)."""
    path = quote(conversation_id, safe="")
    return RedirectResponse(f"/console/c/{path}#{quote(anchor, safe=':')}", status_code=303)
