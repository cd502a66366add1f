"""What stands in front of the login form.

- `safe_next`: where to go after logging in; only paths under /console.
- `LoginFormTokens`: the form's own CSRF token before any session exists, a
  double submit of a short-lived signed cookie and a hidden field.
- Failure throttles per IP address (in memory, or shared through Redis), so
  one address cannot try passwords against many accounts quickly.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, Protocol
from urllib.parse import unquote, urlsplit

log = logging.getLogger(__name__)

HOME = "/console"
MAX_NEXT_LENGTH = 2000
FORM_TOKEN_TTL = timedelta(minutes=20)


def safe_next(raw: str | None) -> str:
    """`raw` when it is a plain path under /console, else /console.

    The value is decoded a few times over before it is judged, so that encoded
    slashes, backslashes and dots (%2F, %5C, %2e, and encoded again) cannot
    smuggle another host or a step out of /console past the check.
    """
    if not raw or len(raw) > MAX_NEXT_LENGTH:
        return HOME
    decoded = raw
    for _ in range(4):
        once = unquote(decoded)
        if once == decoded:
            break
        decoded = once
    else:
        return HOME  # still changing after four rounds: nobody writes links like that
    if _looks_dangerous(raw) or _looks_dangerous(decoded):
        return HOME
    return raw


def _looks_dangerous(url: str) -> bool:
    if "\\" in url or any(ord(c) < 0x20 or ord(c) == 0x7F for c in url):
        return True
    parts = urlsplit(url)
    if parts.scheme or parts.netloc or not url.startswith("/"):
        return True
    path = parts.path
    if path != HOME and not path.startswith(HOME + "/"):
        return True
    if "//" in path:
        return True
    segments = path.split("/")
    return "." in segments or ".." in segments


class LoginFormTokens:
    """Sign and check the login form's token pair.

    The cookie carries `token.issued.signature`; the form's hidden field carries
    `token`. A cross-site page can make a browser post the form but can neither
    read the cookie nor forge its signature.
    """

    def __init__(self, key: bytes, ttl: timedelta = FORM_TOKEN_TTL) -> None:
        self._key = key
        self.ttl = ttl

    def issue(self, now: datetime) -> tuple[str, str]:
        """(the hidden field's value, the cookie's value)."""
        token = secrets.token_urlsafe(24)
        issued = str(int(now.timestamp()))
        return token, f"{token}.{issued}.{self._sign(token, issued)}"

    def check(self, cookie: str | None, field: str | None, now: datetime) -> bool:
        if not cookie or not field or len(cookie) > 200:
            return False
        parts = cookie.split(".")
        if len(parts) != 3 or not parts[1].isdigit():
            return False
        token, issued, signature = parts
        if not hmac.compare_digest(signature, self._sign(token, issued)):
            return False
        age = now.timestamp() - int(issued)
        if age < -60 or age > self.ttl.total_seconds():
            return False
        return hmac.compare_digest(token.encode(), field.encode())

    def _sign(self, token: str, issued: str) -> str:
        message = f"kefu-login-form.{token}.{issued}".encode()
        return hmac.new(self._key, message, hashlib.sha256).hexdigest()


class FailureThrottle(Protocol):
    async def retry_after(self, ip: str) -> float:
        """Seconds this address must wait before trying again; 0 when it may try now."""
        ...

    async def failed(self, ip: str) -> None: ...

    async def close(self) -> None: ...


class MemoryFailureThrottle:
    """Failures per address in fixed windows, in this process only."""

    def __init__(
        self,
        allowed: int,
        window_seconds: float,
        clock: Callable[[], float] = time.monotonic,
        max_keys: int = 50_000,
    ) -> None:
        self._allowed = allowed
        self._window = window_seconds
        self._clock = clock
        self._max_keys = max_keys
        self._counts: dict[str, tuple[int, float]] = {}  # ip -> (failures, window ends)

    async def retry_after(self, ip: str) -> float:
        count, ends = self._counts.get(ip, (0, 0.0))
        now = self._clock()
        if ends <= now or count < self._allowed:
            return 0.0
        return ends - now

    async def failed(self, ip: str) -> None:
        now = self._clock()
        count, ends = self._counts.get(ip, (0, 0.0))
        if ends <= now:
            count, ends = 0, now + self._window
        self._counts[ip] = (count + 1, ends)
        if len(self._counts) > self._max_keys:
            self._counts = {k: v for k, v in self._counts.items() if v[1] > now}

    async def close(self) -> None:
        self._counts.clear()


class RedisFailureThrottle:
    """The same windows as Redis counters, shared by every server process.

    An unreachable Redis lets logins through (the per-account lock still holds):
    a broken counter must not lock every member of staff out.
    """

    def __init__(
        self, url: str, allowed: int, window_seconds: float, prefix: str = "kefu:login-fail:"
    ) -> None:
        import redis.asyncio as aioredis

        self._redis: Any = aioredis.from_url(url, socket_timeout=1.0, socket_connect_timeout=1.0)
        self._allowed = allowed
        self._window_ms = max(1000, int(window_seconds * 1000))
        self._prefix = prefix

    async def retry_after(self, ip: str) -> float:
        from redis.exceptions import RedisError

        try:
            pipe = self._redis.pipeline()
            pipe.get(self._prefix + ip)
            pipe.pttl(self._prefix + ip)
            count, ttl_ms = await pipe.execute()
        except (RedisError, OSError) as exc:
            log.warning("login throttle unavailable, letting the attempt through: %s", exc)
            return 0.0
        if count is None or int(count) < self._allowed or int(ttl_ms) <= 0:
            return 0.0
        return int(ttl_ms) / 1000.0

    async def failed(self, ip: str) -> None:
        from redis.exceptions import RedisError

        key = self._prefix + ip
        try:
            pipe = self._redis.pipeline()
            pipe.incr(key)
            pipe.pexpire(key, self._window_ms, nx=True)
            await pipe.execute()
        except (RedisError, OSError) as exc:
            log.warning("login throttle unavailable, a failure went uncounted: %s", exc)

    async def close(self) -> None:
        await self._redis.aclose()
