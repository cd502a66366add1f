"""Live handoff in the console: take over, reply, typing, hand back, close; the staff socket.

    POST /console/c/{id}/take-over      the staff member becomes the owner; the bot goes quiet
    POST /console/c/{id}/reply          a message to the shopper (widget or Telegram), logged
    POST /console/c/{id}/typing         "staff is typing" to the shopper
    POST /console/c/{id}/hand-back      the bot answers again
    POST /console/c/{id}/close          resolved=true|false
    GET  /console/c/{id}/live           the live panel (owner, actions, summary), an HTML fragment
    WS   /console/ws                    live events: queue changes, new messages, typing

Every POST needs the session's CSRF token and is written to the audit log.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from datetime import UTC, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Form, HTTPException, Request, WebSocket
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, Field
from sqlmodel import Session, col, select
from starlette.websockets import WebSocketDisconnect

from bot.bus import LiveEvent
from bot.console.auth import current_staff, record_audit, require_csrf, staff_from_websocket
from bot.console.context import ConsoleContext, console_context, console_context_ws
from bot.console.hub import ConsoleSocket
from bot.console.render import render
from bot.console.staff_user import StaffUser
from bot.console.summary import summarize
from dialogue.handoff import HandoffAction, HandoffError
from dialogue.transcript_tables import Conversation, Turn
from dialogue.transcripts import TurnRecord

router = APIRouter(prefix="/console", tags=["console"])
MAX_REPLY_CHARS = 4000
Staff = Annotated[StaffUser, Depends(require_csrf)]
Ctx = Annotated[ConsoleContext, Depends(console_context)]


class ActionResult(BaseModel):
    conversation_id: str
    owner: str
    staff: str | None = None


class ReplyResult(BaseModel):
    conversation_id: str
    turn_id: str
    delivered: Literal["web", "telegram", "logged"]
    text: str = Field(max_length=MAX_REPLY_CHARS)


def load_conversation(ctx: ConsoleContext, conversation_id: str) -> Conversation:
    with Session(ctx.engine) as session:
        row = session.get(Conversation, conversation_id)
    if row is None:
        raise HTTPException(404, "No conversation with this id.")
    return row


def display_name(staff: StaffUser) -> str:
    """What the shopper sees: the staff member's name, never their email address."""
    return staff.name or staff.email.split("@", 1)[0]


async def _apply(
    ctx: ConsoleContext,
    staff: StaffUser,
    conversation_id: str,
    action: HandoffAction,
    resolved: bool | None = None,
) -> ActionResult:
    await asyncio.to_thread(load_conversation, ctx, conversation_id)
    try:
        # an admin may pick up a conversation a colleague owns; agents may not
        state = await ctx.conversations.apply(
            conversation_id, action, staff=staff.email, resolved=resolved, reassign=staff.is_admin
        )
    except HandoffError as exc:
        raise HTTPException(409, str(exc)) from exc
    detail = "" if resolved is None else f"resolved={resolved}"
    await asyncio.to_thread(
        record_audit, ctx.engine, staff, action, conversation_id=conversation_id, detail=detail
    )
    return ActionResult(conversation_id=conversation_id, owner=state.owner, staff=state.staff)


@router.post("/c/{conversation_id}/take-over")
async def take_over(conversation_id: str, staff: Staff, ctx: Ctx) -> ActionResult:
    return await _apply(ctx, staff, conversation_id, "take_over")


@router.post("/c/{conversation_id}/hand-back")
async def hand_back(conversation_id: str, staff: Staff, ctx: Ctx) -> ActionResult:
    await _must_own(ctx, staff, conversation_id, allow_waiting=True)
    return await _apply(ctx, staff, conversation_id, "hand_back")


@router.post("/c/{conversation_id}/close")
async def close(
    conversation_id: str, staff: Staff, ctx: Ctx, resolved: Annotated[bool, Form()]
) -> ActionResult:
    result = await _apply(ctx, staff, conversation_id, "close", resolved=resolved)
    row = await asyncio.to_thread(load_conversation, ctx, conversation_id)
    if row.channel == "web" and ctx.gateway is not None:
        await ctx.gateway.close(conversation_id, by="staff")
    return result


@router.post("/c/{conversation_id}/reply")
async def reply(
    conversation_id: str,
    staff: Staff,
    ctx: Ctx,
    text: Annotated[str, Form(min_length=1, max_length=MAX_REPLY_CHARS)],
) -> ReplyResult:
    row = await _must_own(ctx, staff, conversation_id)
    body = text.strip()
    if not body:
        raise HTTPException(422, "The message is empty.")
    turn_id = uuid.uuid4().hex
    delivered = await _deliver(ctx, row, staff, body, turn_id)
    if ctx.transcripts is not None:
        ctx.transcripts.log(
            TurnRecord(
                turn_id=turn_id,
                conversation_id=conversation_id,
                message_id=f"staff:{turn_id}",
                role="staff",
                text=body,
                channel=row.channel,
                author=staff.email,
                lang=row.lang,
            )
        )
    await asyncio.to_thread(
        record_audit, ctx.engine, staff, "reply", conversation_id=conversation_id
    )
    return ReplyResult(
        conversation_id=conversation_id, turn_id=turn_id, delivered=delivered, text=body
    )


@router.post("/c/{conversation_id}/typing", status_code=204)
async def typing(conversation_id: str, staff: Staff, ctx: Ctx) -> None:
    row = await _must_own(ctx, staff, conversation_id)
    if row.channel == "telegram" and ctx.telegram is not None:
        await ctx.telegram.send_typing(conversation_id)  # from this process only: once
    await ctx.bus.publish(
        LiveEvent(
            kind="typing",
            conversation_id=conversation_id,
            channel=row.channel,
            who="staff",
            staff=display_name(staff),
        )
    )


@router.get("/c/{conversation_id}/live", response_class=HTMLResponse)
async def live_panel(
    request: Request,
    conversation_id: str,
    staff: Annotated[StaffUser, Depends(current_staff)],
    ctx: Ctx,
) -> HTMLResponse:
    row, turns = await asyncio.to_thread(_conversation_and_turns, ctx, conversation_id)
    waited = _seconds_since(row.owner_since) if row.owner == "waiting" else None
    return render(
        request,
        "live_panel_body.html",
        staff=staff,
        conversation=row,
        mine=row.owner == "staff" and row.owner_staff == staff.email,
        waited_s=waited,
        summary=summarize(turns) if row.owner in ("waiting", "staff") else None,
    )


@router.websocket("/ws")
async def console_socket(websocket: WebSocket) -> None:
    staff = await staff_from_websocket(websocket)
    if staff is None:
        await websocket.close(code=4401)
        return
    ctx = console_context_ws(websocket)
    await websocket.accept()
    socket = ConsoleSocket(staff.email, staff.is_admin)
    ctx.hub.join(socket)
    writer = asyncio.create_task(_write(websocket, socket))
    try:
        while True:  # the console only listens; reading notices when it goes away
            await websocket.receive_text()
    except WebSocketDisconnect:
        pass
    finally:
        ctx.hub.leave(socket)
        writer.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await writer


async def _write(websocket: WebSocket, socket: ConsoleSocket) -> None:
    while not socket.dropped:
        frame = await socket.queue.get()
        await websocket.send_text(frame)
    await websocket.close(code=4408)


async def _must_own(
    ctx: ConsoleContext, staff: StaffUser, conversation_id: str, *, allow_waiting: bool = False
) -> Conversation:
    row = await asyncio.to_thread(load_conversation, ctx, conversation_id)
    if allow_waiting and row.owner == "waiting":
        return row
    if row.owner != "staff" or row.owner_staff != staff.email:
        raise HTTPException(409, "Take the conversation over first.")
    return row


async def _deliver(
    ctx: ConsoleContext, row: Conversation, staff: StaffUser, body: str, turn_id: str
) -> Literal["web", "telegram", "logged"]:
    if row.channel == "web" and ctx.gateway is not None:
        await ctx.gateway.post_staff(row.id, body, author=display_name(staff))
        return "web"
    if row.channel == "telegram" and ctx.telegram is not None:
        # every process can send through the Bot API; only polling is held by one
        sent = await ctx.telegram.send_staff(row.id, display_name(staff), body, message_id=turn_id)
        if sent:
            return "telegram"
    return "logged"


def _conversation_and_turns(
    ctx: ConsoleContext, conversation_id: str
) -> tuple[Conversation, list[Turn]]:
    row = load_conversation(ctx, conversation_id)
    with Session(ctx.engine) as session:
        turns = session.exec(
            select(Turn)
            .where(Turn.conversation_id == conversation_id)
            .order_by(col(Turn.created_at))
        ).all()
    return row, list(turns)


def _seconds_since(at: datetime | None) -> int | None:
    if at is None:
        return None
    at = at if at.tzinfo else at.replace(tzinfo=UTC)
    return max(0, int((datetime.now(UTC) - at).total_seconds()))
