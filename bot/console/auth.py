"""Who is calling the console: FastAPI dependencies over the staff session cookie.

Every console route depends on `current_staff`; admin pages on `require_admin`;
every state-changing route on `require_csrf`. The live socket checks its
handshake with `staff_from_websocket`. `record_audit` writes the audit log.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Annotated
from urllib.parse import quote

from fastapi import Depends, FastAPI, HTTPException, Request
from starlette.requests import HTTPConnection
from starlette.websockets import WebSocket

from bot.console.audit import record_audit
from bot.console.context import ConsoleContext
from bot.console.login_guard import (
    FailureThrottle,
    LoginFormTokens,
    MemoryFailureThrottle,
    RedisFailureThrottle,
)
from bot.console.sessions import SessionPolicy, resolve_session
from bot.console.settings import ConsoleSettings
from bot.console.staff_tables import utcnow
from bot.console.staff_user import StaffUser
from bot.web.security import origin_allowed
from catalog.errors import CatalogError

__all__ = [
    "COOKIE",
    "AuthState",
    "StaffUser",
    "auth_state",
    "client_ip",
    "current_staff",
    "record_audit",
    "require_admin",
    "require_csrf",
    "staff_from_websocket",
]

log = logging.getLogger(__name__)

COOKIE = "kefu_staff"
COOKIE_PATH = "/console"
CSRF_HEADER = "x-csrf-token"
CSRF_FIELD = "csrf_token"
_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


@dataclass
class AuthState:
    """Per-app parts of the login machinery; tests swap the clock."""

    settings: ConsoleSettings
    clock: Callable[[], datetime]
    form_tokens: LoginFormTokens
    throttle: FailureThrottle

    @property
    def policy(self) -> SessionPolicy:
        return SessionPolicy(
            idle=timedelta(hours=self.settings.session_hours),
            absolute=timedelta(hours=self.settings.session_max_hours),
            lockout_after=self.settings.lockout_after,
            lockout_seconds=self.settings.lockout_seconds,
        )


def build_auth_state(
    settings: ConsoleSettings, clock: Callable[[], datetime] = utcnow
) -> AuthState:
    key = settings.secret_key.get_secret_value().encode() or secrets.token_bytes(32)
    throttle: FailureThrottle
    if settings.redis_url:
        throttle = RedisFailureThrottle(
            settings.redis_url, settings.login_ip_failures, settings.login_ip_window_seconds
        )
    else:
        throttle = MemoryFailureThrottle(
            settings.login_ip_failures, settings.login_ip_window_seconds
        )
    return AuthState(settings, clock, LoginFormTokens(key), throttle)


def auth_state(app: FastAPI) -> AuthState:
    """The app's AuthState, built from its ConsoleContext on first use."""
    state: AuthState | None = getattr(app.state, "console_auth", None)
    if state is None:
        ctx: ConsoleContext = app.state.console
        state = build_auth_state(ctx.settings)
        app.state.console_auth = state
    return state


def client_ip(conn: HTTPConnection) -> str:
    return conn.client.host if conn.client else "unknown"


async def _resolve(conn: HTTPConnection, token: str | None) -> StaffUser | None:
    if not token:
        return None
    state = auth_state(conn.app)
    ctx: ConsoleContext = conn.app.state.console
    return await asyncio.to_thread(
        resolve_session, ctx.engine, token, policy=state.policy, now=state.clock()
    )


def _refusal(request: Request) -> HTTPException:
    accepts_html = "text/html" in request.headers.get("accept", "")
    if request.method in ("GET", "HEAD") and accepts_html:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        location = "/console/login?next=" + quote(target, safe="")
        return HTTPException(status_code=303, headers={"Location": location})
    return HTTPException(status_code=401, detail="staff login required")


async def current_staff(request: Request) -> StaffUser:
    """The logged-in staff member, or a redirect to the login page (HTML GET) / 401."""
    cached: StaffUser | None = getattr(request.state, "staff", None)
    if cached is not None:
        return cached
    try:
        staff = await _resolve(request, request.cookies.get(COOKIE))
    except CatalogError as exc:
        log.error("staff session check failed: %s", exc)
        raise HTTPException(status_code=503, detail="the staff database is unavailable") from exc
    if staff is None:
        raise _refusal(request)
    request.state.staff = staff
    return staff


async def require_admin(staff: Annotated[StaffUser, Depends(current_staff)]) -> StaffUser:
    if not staff.is_admin:
        raise HTTPException(status_code=403, detail="admins only")
    return staff


async def require_csrf(
    request: Request, staff: Annotated[StaffUser, Depends(current_staff)]
) -> StaffUser:
    """For state-changing routes: the session's CSRF token must come back with the request."""
    if not _same_origin(request):
        raise HTTPException(status_code=403, detail="cross-site request refused")
    sent: object = request.headers.get(CSRF_HEADER)
    if sent is None and request.headers.get("content-type", "").startswith(_FORM_TYPES):
        form = await request.form()
        sent = form.get(CSRF_FIELD)
    if not isinstance(sent, str) or not hmac.compare_digest(
        sent.encode(), staff.csrf_token.encode()
    ):
        raise HTTPException(status_code=403, detail="missing or wrong CSRF token")
    return staff


def _same_origin(conn: HTTPConnection) -> bool:
    # Browsers send Origin on every cross-site POST; its absence (curl, old clients) is
    # left to the token check.
    origin = conn.headers.get("origin")
    if origin is None:
        return True
    return origin_allowed(origin, conn.headers.get("host"), conn.url.scheme, [], False)


async def staff_from_websocket(websocket: WebSocket) -> StaffUser | None:
    """The staff member behind a WebSocket handshake; None unless same-origin and logged in."""
    origin = websocket.headers.get("origin")
    host = websocket.headers.get("host")
    if not origin_allowed(origin, host, websocket.url.scheme, [], False):
        return None
    try:
        return await _resolve(websocket, websocket.cookies.get(COOKIE))
    except CatalogError as exc:
        log.error("staff session check failed on a socket: %s", exc)
        return None
