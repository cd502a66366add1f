"""What every route needs, built once by the app factory and kept on `app.state`."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from starlette.requests import HTTPConnection

from bot.web.gateway import Gateway
from bot.web.identity import IdentityError, verify_identity
from bot.web.products import ProductLookup
from bot.web.protocol import ErrorCode
from bot.web.ratelimit import Limits
from bot.web.settings import WebSettings

if TYPE_CHECKING:  # the implementation loads analytics; the app only needs the shape
    from bot.web.signals import ShopperSignals


class ApiError(Exception):
    """An error the client is told about, as {"error": {"code", "message"}}."""

    def __init__(
        self, status: int, code: ErrorCode, message: str, retry_after: float | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.retry_after = retry_after


@dataclass(frozen=True)
class WebContext:
    settings: WebSettings
    gateway: Gateway
    limits: Limits
    products: ProductLookup
    ready: Callable[[], Awaitable[bool]] | None = None
    # feedback and card clicks onto the transcript and analytics (none in bare tests)
    signals: ShopperSignals | None = None

    def customer(self, identity: str) -> int | None:
        """The verified customer id of a signed identity token; None when no token."""
        if not identity:
            return None
        try:
            return verify_identity(self.settings.identity_secret, identity)
        except IdentityError as exc:
            raise ApiError(401, "bad_identity", f"The signed identity was refused: {exc}.") from exc


def context(conn: HTTPConnection) -> WebContext:
    ctx: WebContext = conn.app.state.kefu
    return ctx


def client_ip(conn: HTTPConnection) -> str:
    return conn.client.host if conn.client else "unknown"


# Shown to shoppers; the widget has its own translations keyed by the error code.
TOO_FAST = "You are sending messages too quickly. Please wait {s} s and try again."
TOO_LONG = "That message is too long: please keep it under {n} characters."
