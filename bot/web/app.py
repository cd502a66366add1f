"""The app factory: one FastAPI app with the chat API, the WebSocket and the demo shop.

Everything it talks to is handed in (dialogue manager, conversation store, product
lookup), so the composition root wires the real ones and tests wire fakes.
"""

from __future__ import annotations

import math
import weakref
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.cors import CORSMiddleware

from bot import metrics
from bot.bus import LiveBus
from bot.logs import configured as logging_configured
from bot.web import api, shop, ws
from bot.web.context import ApiError, WebContext
from bot.web.gateway import Gateway
from bot.web.products import ProductLookup
from bot.web.protocol import ErrorCode
from bot.web.ratelimit import Bucket, Limits, MemoryRateLimiter, RateLimiter, RedisRateLimiter
from bot.web.security import GuardMiddleware, error_json
from bot.web.settings import WebSettings
from bot.web.store import ConversationStore, StoreError, UnknownConversation
from dialogue.types import DialogueManager

if TYPE_CHECKING:  # the implementation loads analytics; the app only needs the shape
    from bot.web.signals import ShopperSignals


def make_rate_limiter(settings: WebSettings) -> RateLimiter:
    """Redis when KEFU_REDIS_URL is set (several processes share limits), else memory."""
    if settings.redis_url:
        return RedisRateLimiter(settings.redis_url)
    return MemoryRateLimiter()


def create_app(
    manager: DialogueManager,
    store: ConversationStore,
    products: ProductLookup,
    settings: WebSettings | None = None,
    *,
    rate_limiter: RateLimiter | None = None,
    ready: Callable[[], Awaitable[bool]] | None = None,
    signals: ShopperSignals | None = None,
    bus: LiveBus | None = None,
) -> FastAPI:
    """Build the web app. `ready` (optional) tells /readyz whether models are loaded;
    `signals` (optional) carries feedback and card clicks to the transcript and analytics."""
    settings = settings or WebSettings()
    limiter = rate_limiter or make_rate_limiter(settings)
    limits = Limits(
        limiter,
        per_ip=Bucket(settings.ip_burst, settings.ip_per_minute / 60.0),
        per_session=Bucket(settings.session_burst, settings.session_per_minute / 60.0),
    )
    gateway = Gateway(manager, store, products, turn_timeout_s=settings.turn_timeout_s, bus=bus)
    _watch(gateway)
    ctx = WebContext(
        settings=settings,
        gateway=gateway,
        limits=limits,
        products=products,
        ready=ready,
        signals=signals,
    )

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        gateway.draining = False  # serving (again, when an app is restarted in one process)
        yield
        await gateway.shutdown(settings.shutdown_grace_s)
        await limiter.close()

    app = FastAPI(
        title="kefu web API",
        version="1",
        summary="Chat with the shop's assistant over HTTP or WebSocket (see docs/web-api.md).",
        lifespan=lifespan,
    )
    app.state.kefu = ctx
    app.state.gateway = gateway  # for the staff console: gateway.post_staff(...)

    app.include_router(api.router)
    app.include_router(api.health)
    app.add_api_websocket_route("/ws", ws.websocket_endpoint)
    if settings.demo_shop:
        app.include_router(shop.router)
    else:
        app.add_api_route("/widget.js", shop.widget_js, include_in_schema=False)

    _install_error_handlers(app)
    app.add_middleware(
        GuardMiddleware,
        allowed_origins=settings.allowed_origins,
        allow_no_origin=settings.allow_no_origin,
        max_body_bytes=settings.max_body_bytes,
    )
    # Outermost, so preflights and even guard refusals carry the CORS headers.
    app.add_middleware(
        CORSMiddleware,
        allow_origins=settings.allowed_origins,
        allow_methods=["GET", "POST"],
        allow_headers=["content-type"],
        max_age=600,
    )
    return app


def _json(status: int, code: ErrorCode, message: str, retry_after: float | None = None) -> Response:
    headers = {"Retry-After": str(max(1, round(retry_after)))} if retry_after else None
    return Response(
        error_json(code, message, retry_after),
        status_code=status,
        media_type="application/json",
        headers=headers,
    )


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def on_api_error(_: Request, exc: ApiError) -> Response:
        return _json(exc.status, exc.code, exc.message, exc.retry_after)

    @app.exception_handler(RequestValidationError)
    async def on_invalid(_: Request, exc: RequestValidationError) -> Response:
        first = exc.errors()[0] if exc.errors() else {}
        where = ".".join(str(p) for p in first.get("loc", ()) if p != "body")
        message = f"{where}: {first.get('msg', 'invalid')}" if where else "Invalid request."
        return _json(422, "bad_request", message)

    @app.exception_handler(UnknownConversation)
    async def on_unknown(_: Request, exc: UnknownConversation) -> Response:
        return _json(404, "unknown_conversation", "No conversation with this id.")

    @app.exception_handler(StoreError)
    async def on_store(_: Request, exc: StoreError) -> Response:
        return _json(503, "unavailable", "Chat storage is unavailable; please retry shortly.")

    @app.exception_handler(StarletteHTTPException)
    async def on_http(_: Request, exc: StarletteHTTPException) -> Response:
        if exc.status_code == 404:
            return _json(404, "not_found", "Not found.")
        code: ErrorCode = "bad_request"
        return JSONResponse(
            {"error": {"code": code, "message": str(exc.detail)}},
            status_code=exc.status_code,
            headers=exc.headers,
        )


def _watch(gateway: Gateway) -> None:
    # A weak reference: the metrics outlive apps built and dropped (tests build many).
    ref = weakref.ref(gateway)
    metrics.watch_sockets(lambda: g.open_sockets() if (g := ref()) else 0)
    metrics.watch_queue("turns_in_flight", lambda: g.turns_in_flight if (g := ref()) else 0)


def _server_config(
    app: FastAPI, settings: WebSettings, host: str | None, port: int | None, log_level: str
) -> Any:
    import uvicorn
    from uvicorn.config import LOGGING_CONFIG

    return uvicorn.Config(
        app,
        host=host or settings.host,
        port=port or settings.port,
        log_level=log_level,
        # Once kefu's own logging is set up (KEFU_LOG_FORMAT), uvicorn's lines go through it.
        log_config=None if logging_configured() else LOGGING_CONFIG,
        # On SIGTERM, open requests (answers being waited for) get this long to finish.
        timeout_graceful_shutdown=math.ceil(settings.shutdown_grace_s),
        # Frames up to the body limit reach the app, which answers "too long" kindly;
        # anything bigger is cut off by uvicorn (close 1009).
        ws_max_size=settings.max_body_bytes,
        ws="websockets-sansio",
        ws_per_message_deflate=settings.ws_compression,
        proxy_headers=True,
        forwarded_allow_ips=settings.forwarded_allow_ips,
    )


def _freeze_heap() -> None:
    import gc

    # Everything loaded so far (models, modules, the app) lives as long as the process:
    # keep it out of the collector's full passes, which otherwise stall every socket.
    gc.collect()
    gc.freeze()


def serve(
    app: FastAPI,
    settings: WebSettings | None = None,
    *,
    host: str | None = None,
    port: int | None = None,
    log_level: str = "info",
) -> None:
    """Run the app on uvicorn until interrupted, in a loop of its own."""
    import uvicorn

    _freeze_heap()
    uvicorn.Server(_server_config(app, settings or WebSettings(), host, port, log_level)).run()


async def serve_async(
    app: FastAPI,
    settings: WebSettings | None = None,
    *,
    host: str | None = None,
    port: int | None = None,
    log_level: str = "info",
) -> None:
    """Run the app on uvicorn inside the caller's event loop (beside the Telegram bot)."""
    import uvicorn

    _freeze_heap()
    server = uvicorn.Server(_server_config(app, settings or WebSettings(), host, port, log_level))
    await server.serve()
