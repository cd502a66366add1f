"""The WebSocket endpoint `/ws`: one socket per open widget, streaming answers live.

Protocol (docs/web-api.md): the client's first frame is `hello` (conversation id and
the last seq it has shown); the server answers `ready`, replays the logged events
after that seq and any answer still being streamed, then streams live. Shopper
messages carry client ids; a resent id is acknowledged again but answered once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
from collections import deque

from pydantic import TypeAdapter, ValidationError
from starlette.websockets import WebSocket, WebSocketDisconnect, WebSocketState

from bot.web.context import TOO_FAST, TOO_LONG, ApiError, WebContext, client_ip, context
from bot.web.events import UserEvent
from bot.web.gateway import Room
from bot.web.protocol import (
    ClientFrame,
    ContextFrame,
    ErrorCode,
    ErrorFrame,
    HelloFrame,
    MessageFrame,
    PingFrame,
    PongFrame,
    ReadyFrame,
    ShopperTypingFrame,
)
from bot.web.security import origin_allowed
from bot.web.store import ConversationInfo, StoreError

log = logging.getLogger(__name__)
_FRAME: TypeAdapter[ClientFrame] = TypeAdapter(ClientFrame)

HELLO_TIMEOUT_S = 15.0
# Close codes the widget understands (4000-4999 are the application's own).
CLOSE_RATE_LIMITED = 4429
CLOSE_BAD_HELLO = 4400
CLOSE_SLOW_CONSUMER = 4008
CLOSE_UNAVAILABLE = 4503


class _Stop(Exception):
    """End this connection with a close code."""

    def __init__(self, code: int, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason


class Connection:
    """One socket: a bounded outbound queue drained by a writer task."""

    def __init__(self, ws: WebSocket, ctx: WebContext) -> None:
        self.ws = ws
        self.ctx = ctx
        self.outbox: deque[str] = deque()
        self.limit = ctx.settings.socket_queue
        self.closing = False  # send what is queued, then stop
        self._wake: asyncio.Future[None] | None = None
        self.overflowed = False
        self.writer_task: asyncio.Task[None] | None = None
        self.reader_task: asyncio.Task[None] | None = None
        self.stopped = False  # reader_task was cancelled by this connection, not the server
        self.page_sku: str | None = None
        self.locale = ""
        self.customer: int | None = None
        self.batch = False  # the client accepts arrays of frames (said in hello)

    def deliver(self, frame: str) -> None:
        if self.overflowed:
            return
        if len(self.outbox) >= self.limit:
            # A client this far behind reconnects and catches up by replay instead.
            self.overflowed = True
            log.info("dropping a socket that stopped reading")
            self.stop_reading()
            return
        self.outbox.append(frame)
        self._notify()

    def finish_writing(self) -> None:
        self.closing = True
        self._notify()

    def _notify(self) -> None:
        if self._wake is not None and not self._wake.done():
            self._wake.set_result(None)

    def stop_reading(self) -> None:
        """End the connection from outside its reader (its writer died or fell behind)."""
        if self.writer_task is not None:
            self.writer_task.cancel()
        if self.reader_task is not None and not self.stopped:
            self.stopped = True
            self.reader_task.cancel()

    def _writer_done(self, task: asyncio.Task[None]) -> None:
        if not task.cancelled() and task.exception() is not None:
            self.stop_reading()  # the socket cannot be written to: nothing left to do

    def error(
        self,
        code: ErrorCode,
        message: str,
        reply_to: str | None = None,
        retry_after: float | None = None,
    ) -> None:
        frame = ErrorFrame(code=code, message=message, reply_to=reply_to, retry_after=retry_after)
        self.deliver(frame.model_dump_json(exclude_none=True))

    async def writer(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            if not self.outbox:
                if self.closing:
                    return
                self._wake = loop.create_future()
                await self._wake
                continue
            if not self.batch:
                await self.ws.send_text(self.outbox.popleft())
                continue
            # Frames made in the same instant (an answer from a fast model) go out as one
            # JSON array: one send instead of several, same order. Yielding once first
            # lets a turn that is ready to run add its frames to this send.
            await asyncio.sleep(0)
            frames = list(self.outbox)
            self.outbox.clear()
            await self.ws.send_text(frames[0] if len(frames) == 1 else "[" + ",".join(frames) + "]")


async def websocket_endpoint(ws: WebSocket) -> None:
    ctx = context(ws)
    settings = ctx.settings
    if not origin_allowed(
        ws.headers.get("origin"),
        ws.headers.get("host"),
        ws.url.scheme,
        settings.allowed_origins,
        settings.allow_no_origin,
    ):
        await ws.close(code=1008)  # before accept: the handshake is refused with 403
        return
    await ws.accept()
    conn = Connection(ws, ctx)
    conn.reader_task = asyncio.current_task()
    writer = conn.writer_task = asyncio.create_task(conn.writer())
    writer.add_done_callback(conn._writer_done)
    room: Room | None = None
    close = (1000, "")
    try:
        decision = await ctx.limits.connect(client_ip(ws))
        if not decision.allowed:
            conn.error(
                "rate_limited",
                TOO_FAST.format(s=math.ceil(decision.retry_after)),
                retry_after=decision.retry_after,
            )
            raise _Stop(CLOSE_RATE_LIMITED, "rate limited")
        info, hello = await _hello(conn)
        room = await ctx.gateway.attach(info.id, conn, hello.last_seq)
        while (raw := await _receive(ws)) is not None:
            await _handle(conn, info, raw)
    except asyncio.CancelledError:
        if not conn.stopped:
            raise  # the server is shutting down
        asyncio.current_task().uncancel()  # type: ignore[union-attr]
        close = (CLOSE_SLOW_CONSUMER, "too far behind; resume")
    except _Stop as stop:
        close = (stop.code, stop.reason)
    except WebSocketDisconnect:
        pass
    except StoreError:
        log.exception("conversation store failed")
        conn.error("unavailable", "Chat is unavailable right now. Reconnecting shortly.")
        close = (CLOSE_UNAVAILABLE, "store unavailable")
    finally:
        if room is not None:
            ctx.gateway.detach(room, conn)
        await _finish(conn, writer, close)


async def _receive(ws: WebSocket) -> str | None:
    """The next text frame; None when the client left."""
    message = await ws.receive()
    if message["type"] == "websocket.disconnect":
        return None
    text = message.get("text")
    if text is None:
        data = message.get("bytes") or b""
        text = data.decode("utf-8", errors="replace")
    return str(text)


async def _finish(conn: Connection, writer: asyncio.Task[None], close: tuple[int, str]) -> None:
    if not writer.done():
        conn.finish_writing()
        with contextlib.suppress(Exception, asyncio.CancelledError):
            await asyncio.wait_for(writer, timeout=5.0)
    ws = conn.ws
    if (
        ws.application_state == WebSocketState.CONNECTED
        and ws.client_state == WebSocketState.CONNECTED
    ):
        with contextlib.suppress(Exception):
            await asyncio.wait_for(ws.close(code=close[0], reason=close[1]), timeout=5.0)


async def _hello(conn: Connection) -> tuple[ConversationInfo, HelloFrame]:
    ctx = conn.ctx
    try:
        raw = await asyncio.wait_for(conn.ws.receive_text(), HELLO_TIMEOUT_S)
    except (TimeoutError, KeyError) as exc:
        raise _Stop(CLOSE_BAD_HELLO, "expected a hello frame") from exc
    try:
        frame = _FRAME.validate_json(raw[: ctx.settings.max_body_bytes])
    except ValidationError as exc:
        conn.error("bad_request", "The first frame must be a valid hello.")
        raise _Stop(CLOSE_BAD_HELLO, "bad hello") from exc
    if not isinstance(frame, HelloFrame):
        conn.error("bad_request", "The first frame must be a hello.")
        raise _Stop(CLOSE_BAD_HELLO, "bad hello")
    try:
        conn.customer = ctx.customer(frame.identity)
    except ApiError as exc:
        # Still a shopper, only anonymous: tell the page, keep talking.
        conn.error(exc.code, exc.message)
    conn.page_sku, conn.locale, conn.batch = frame.page_sku, frame.locale, frame.batch
    info = await ctx.gateway.find(frame.conversation_id) if frame.conversation_id else None
    resumed = info is not None
    if info is None:
        info = await ctx.gateway.start(frame.shop, frame.locale, conn.customer)
    ready = ReadyFrame(
        conversation_id=info.id,
        resumed=resumed,
        last_seq=info.last_seq,
        status=info.status,
        max_message_chars=ctx.settings.max_message_chars,
    )
    conn.deliver(ready.model_dump_json())
    # A new conversation has nothing to replay, whatever the client remembered.
    return info, frame if resumed else frame.model_copy(update={"last_seq": 0})


async def _handle(conn: Connection, info: ConversationInfo, raw: str) -> None:
    settings = conn.ctx.settings
    if len(raw) > settings.max_body_bytes:
        conn.error("too_large", f"That frame is larger than {settings.max_body_bytes // 1024} KB.")
        return
    try:
        frame = _FRAME.validate_json(raw)
    except ValidationError:
        conn.error("bad_request", "Unreadable frame.")
        return
    if isinstance(frame, MessageFrame):
        await _message(conn, info, frame)
    elif isinstance(frame, ContextFrame):
        conn.page_sku = frame.page_sku
        conn.locale = frame.locale or conn.locale
    elif isinstance(frame, PingFrame):
        conn.deliver(PongFrame().model_dump_json())
    elif isinstance(frame, ShopperTypingFrame):
        await conn.ctx.gateway.shopper_typing(info.id)
    else:
        conn.error("bad_request", "Already said hello.")


async def _message(conn: Connection, info: ConversationInfo, frame: MessageFrame) -> None:
    ctx = conn.ctx
    limit = ctx.settings.max_message_chars
    if not frame.text.strip():
        conn.error("bad_request", "The message is empty.", reply_to=frame.id)
        return
    if len(frame.text) > limit:
        conn.error("too_long", TOO_LONG.format(n=limit), reply_to=frame.id)
        return
    decision = await ctx.limits.message(client_ip(conn.ws), info.id)
    if not decision.allowed:
        conn.error(
            "rate_limited",
            TOO_FAST.format(s=math.ceil(decision.retry_after)),
            reply_to=frame.id,
            retry_after=decision.retry_after,
        )
        return
    page_sku = frame.page_sku if frame.page_sku is not None else conn.page_sku
    message = UserEvent(id=frame.id, text=frame.text, page_sku=page_sku)
    sub = await ctx.gateway.submit(
        info, message, locale=frame.locale or conn.locale, customer_id=conn.customer
    )
    if not sub.created:
        # A resend: acknowledge again (the client drops the copy it already has).
        conn.deliver(sub.message.model_dump_json())
        if sub.answer is not None:
            conn.deliver(sub.answer.model_dump_json())
