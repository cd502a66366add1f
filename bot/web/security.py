"""Who may call the widget API, and how much they may send.

`origin_allowed` decides for HTTP and WebSocket alike: the app's own origin, the
configured list, or "*". `GuardMiddleware` refuses other origins and oversized
bodies on /api before any route runs, with the same JSON error shape as the routes.
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlsplit

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bot.web.protocol import ErrorBody, ErrorCode, ErrorDetail


def error_json(code: ErrorCode, message: str, retry_after: float | None = None) -> bytes:
    body = ErrorBody(error=ErrorDetail(code=code, message=message, retry_after=retry_after))
    return body.model_dump_json(exclude_none=True).encode()


def _netloc(url: str) -> str:
    parts = urlsplit(url)
    default = {"http": 80, "https": 443, "ws": 80, "wss": 443}.get(parts.scheme)
    host = (parts.hostname or "").lower()
    port = parts.port or default
    return f"{host}:{port}"


def origin_allowed(
    origin: str | None,
    host: str | None,
    scheme: str,
    allowed: Iterable[str],
    allow_no_origin: bool,
) -> bool:
    """Is a request with this Origin header, sent to `scheme://host`, welcome?"""
    if origin is None:
        return allow_no_origin
    origin = origin.strip().rstrip("/").lower()
    listed = {o.lower() for o in allowed}
    if "*" in listed or origin in listed:
        return True
    if origin == "null" or not host:
        return False
    # Same origin: the page came from this very server (the demo shop).
    web_scheme = {"ws": "http", "wss": "https"}.get(scheme, scheme)
    return _netloc(origin) == _netloc(f"{web_scheme}://{host}")


def header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key == name:
            return str(value.decode("latin-1"))
    return None


class GuardMiddleware:
    """Origin check and body size limit for paths under `prefix` (HTTP only)."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        allowed_origins: list[str],
        allow_no_origin: bool,
        max_body_bytes: int,
        prefix: str = "/api/",
    ) -> None:
        self.app = app
        self.allowed = allowed_origins
        self.allow_no_origin = allow_no_origin
        self.max_body = max_body_bytes
        self.prefix = prefix

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(self.prefix):
            await self.app(scope, receive, send)
            return
        origin = header(scope, b"origin")
        if scope["method"] != "OPTIONS" and not origin_allowed(
            origin, header(scope, b"host"), scope["scheme"], self.allowed, self.allow_no_origin
        ):
            await _reply(
                send, 403, error_json("origin_not_allowed", "This site may not use the chat API.")
            )
            return
        if scope["method"] in ("POST", "PUT", "PATCH"):
            length = header(scope, b"content-length")
            if length is not None and length.isdigit() and int(length) > self.max_body:
                await _reply(send, 413, _too_large(self.max_body))
                return
            body = await _read_body(receive, self.max_body)
            if body is None:
                await _reply(send, 413, _too_large(self.max_body))
                return
            receive = _replay(body, receive)
        await self.app(scope, receive, send)


def _too_large(limit: int) -> bytes:
    return error_json("too_large", f"The request is larger than {limit // 1024} KB.")


async def _read_body(receive: Receive, limit: int) -> bytes | None:
    """The whole body, or None as soon as it passes `limit` (chunked uploads too)."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def _replay(body: bytes, upstream: Receive) -> Receive:
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await upstream()  # after the body: the connection's own events (disconnect)

    return receive


async def _reply(send: Send, status: int, body: bytes) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
