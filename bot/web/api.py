"""The HTTP JSON API: conversations, messages (non-streaming), history, feedback, health.

Handlers are thin: check limits, convert, call the gateway, render. Every error is
{"error": {"code", "message"}} with a 4xx status (503 when the store is down).
"""

from __future__ import annotations

import math
from dataclasses import replace
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request, Response
from pydantic import BaseModel

from bot import metrics
from bot.web.context import TOO_FAST, TOO_LONG, ApiError, client_ip, context
from bot.web.events import CONVERSATION_ID, ClosedEvent, UserEvent
from bot.web.protocol import (
    CardClick,
    ConversationOut,
    ErrorBody,
    FeedbackRequest,
    HistoryOut,
    SendRequest,
    SendResponse,
    StartRequest,
    ThumbsFeedback,
)
from bot.web.store import ConversationInfo
from dialogue.types import Feedback


def _errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    text = {
        400: "unreadable JSON body",
        401: "signed identity refused",
        403: "origin not allowed",
        404: "no such conversation or turn",
        413: "message or body too large",
        422: "invalid request",
        429: "rate limited (see Retry-After)",
        503: "storage unavailable",
    }
    return {code: {"model": ErrorBody, "description": text[code]} for code in codes}


ConversationId = Annotated[str, Path(pattern=CONVERSATION_ID, description="conversation id")]
router = APIRouter(prefix="/api", tags=["chat"])


class Health(BaseModel):
    status: str
    reason: str = ""


def _out(info: ConversationInfo, created: bool, request: Request) -> ConversationOut:
    return ConversationOut(
        conversation_id=info.id,
        created=created,
        status=info.status,
        last_seq=info.last_seq,
        max_message_chars=context(request).settings.max_message_chars,
    )


async def _conversation(request: Request, conversation_id: str) -> ConversationInfo:
    info = await context(request).gateway.find(conversation_id)
    if info is None:
        raise ApiError(404, "unknown_conversation", "No conversation with this id.")
    return info


@router.post(
    "/conversations",
    status_code=201,
    responses={
        200: {"model": ConversationOut, "description": "resumed"},
        **_errors(400, 401, 403, 413, 422, 429, 503),
    },
)
async def start_conversation(
    body: StartRequest, request: Request, response: Response
) -> ConversationOut:
    """Start a conversation, or resume `conversation_id` when it exists (200)."""
    ctx = context(request)
    customer = ctx.customer(body.identity)
    if body.conversation_id:
        info = await ctx.gateway.find(body.conversation_id)
        if info is not None:
            response.status_code = 200
            return _out(info, False, request)
    decision = await ctx.limits.connect(client_ip(request))
    if not decision.allowed:
        raise ApiError(
            429,
            "rate_limited",
            TOO_FAST.format(s=math.ceil(decision.retry_after)),
            decision.retry_after,
        )
    info = await ctx.gateway.start(body.shop, body.locale, customer)
    return _out(info, True, request)


@router.get("/conversations/{conversation_id}", responses=_errors(403, 404, 422, 503))
async def get_conversation(conversation_id: ConversationId, request: Request) -> ConversationOut:
    return _out(await _conversation(request, conversation_id), False, request)


@router.post(
    "/conversations/{conversation_id}/messages",
    responses=_errors(400, 401, 403, 404, 413, 422, 429, 503),
)
async def send_message(
    conversation_id: ConversationId, body: SendRequest, request: Request
) -> SendResponse:
    """Send a shopper message and wait for the whole answer. Resending `id` is a no-op."""
    ctx = context(request)
    info = await _conversation(request, conversation_id)
    limit = ctx.settings.max_message_chars
    if not body.text.strip():
        raise ApiError(422, "bad_request", "The message is empty.")
    if len(body.text) > limit:
        raise ApiError(413, "too_long", TOO_LONG.format(n=limit))
    customer = ctx.customer(body.identity)
    decision = await ctx.limits.message(client_ip(request), info.id)
    if not decision.allowed:
        raise ApiError(
            429,
            "rate_limited",
            TOO_FAST.format(s=math.ceil(decision.retry_after)),
            decision.retry_after,
        )
    message = UserEvent(id=body.id, text=body.text, page_sku=body.page_sku)
    user, answer = await ctx.gateway.ask(info, message, locale=body.locale, customer_id=customer)
    return SendResponse(message=user, answer=answer)


@router.get("/conversations/{conversation_id}/events", responses=_errors(403, 404, 422, 503))
async def history(
    conversation_id: ConversationId,
    request: Request,
    after_seq: Annotated[int, Query(ge=0, le=2**53, description="events after this seq")] = 0,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> HistoryOut:
    """The conversation's logged events in order: messages, answers, staff messages."""
    info = await _conversation(request, conversation_id)
    events = await context(request).gateway.store.events(info.id, after_seq, limit + 1)
    return HistoryOut(
        conversation_id=info.id,
        events=events[:limit],
        last_seq=info.last_seq,
        has_more=len(events) > limit,
    )


@router.post(
    "/conversations/{conversation_id}/feedback",
    status_code=204,
    response_class=Response,
    responses=_errors(400, 403, 404, 413, 422, 503),
)
async def feedback(
    conversation_id: ConversationId, body: FeedbackRequest, request: Request
) -> None:
    """A thumb for one answer (`turn_id` + `thumbs`), or a 1-5 rating (`csat`) of it all."""
    info = await _conversation(request, conversation_id)
    store = context(request).gateway.store
    if isinstance(body, ThumbsFeedback):
        if not await store.has_turn(info.id, body.turn_id):
            raise ApiError(404, "not_found", "No answer with this turn_id here.")
        given = Feedback(info.id, turn_id=body.turn_id, thumbs=body.thumbs, comment=body.comment)
    else:
        given = Feedback(info.id, csat=body.csat, comment=body.comment)
    given = replace(given, extra={"channel": "web"})
    await store.record_feedback(given)
    signals = context(request).signals
    if signals is not None:
        await signals.feedback(given)  # onto the transcript; never fails this request


@router.post(
    "/conversations/{conversation_id}/card-clicks",
    status_code=204,
    response_class=Response,
    responses=_errors(400, 403, 404, 413, 422, 503),
)
async def card_click(conversation_id: ConversationId, body: CardClick, request: Request) -> None:
    """The shopper opened a product card of the answer `turn_id`; sending it again is a no-op."""
    info = await _conversation(request, conversation_id)
    if not await context(request).gateway.store.has_turn(info.id, body.turn_id):
        raise ApiError(404, "not_found", "No answer with this turn_id here.")
    signals = context(request).signals
    if signals is None:
        return
    if await signals.card_click(info.id, body.turn_id, body.sku) == "not_shown":
        raise ApiError(404, "not_found", "That answer showed no card with this SKU.")


@router.post("/conversations/{conversation_id}/close", responses=_errors(403, 404, 422, 503))
async def close(conversation_id: ConversationId, request: Request) -> ClosedEvent:
    """The shopper ended the conversation; the widget then asks for a rating."""
    info = await _conversation(request, conversation_id)
    return await context(request).gateway.close(info.id, "shopper")


health = APIRouter(tags=["health"])


@health.get("/metrics", include_in_schema=False)
async def prometheus_metrics() -> Response:
    """Prometheus metrics of this process."""
    body, content_type = metrics.exposition()
    return Response(body, media_type=content_type)


@health.get("/healthz")
async def healthz() -> Health:
    """The process is up."""
    return Health(status="ok")


@health.get("/readyz", responses={503: {"model": Health, "description": "not ready"}})
async def readyz(request: Request, response: Response) -> Health:
    """The store answers, the dialogue manager is loaded, and the server is not stopping."""
    ctx = context(request)
    if ctx.gateway.draining:
        response.status_code = 503
        return Health(status="unavailable", reason="shutting down")
    try:
        await ctx.gateway.store.ping()
    except Exception as exc:  # any failure means "not ready", with the reason
        response.status_code = 503
        return Health(status="unavailable", reason=f"store: {exc}")
    if ctx.ready is not None and not await ctx.ready():
        response.status_code = 503
        return Health(status="unavailable", reason="dialogue manager is not ready")
    return Health(status="ready")
