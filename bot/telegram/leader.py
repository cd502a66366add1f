"""Exactly one receiver of Telegram updates across the replicas that share a Redis.

Telegram hands a bot's updates to one long poll at a time (two pollers get 409
Conflict and steal each other's updates), and a webhook is one URL. So among the
`kefu run` processes of one bot, one holds a lock in Redis and receives: it runs
long polling, or registers the webhook. The others wait, and take over within
about `ttl_s` when the holder dies and its lock expires.

The lock is `SET key token NX PX ttl` with a random token per process, renewed by
a heartbeat with a compare-and-expire script and released with compare-and-delete,
so a process never extends or deletes a lock another process holds. A holder that
cannot renew steps down before its lock can expire, so two never receive at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import time
from collections.abc import Awaitable, Callable

from redis.asyncio import Redis
from redis.exceptions import RedisError

from bot.telegram.errors import TelegramGatewayError

log = logging.getLogger(__name__)

# Extend the lock only while it is still ours.
_RENEW = """
if redis.call('get', KEYS[1]) == ARGV[1] then
  return redis.call('pexpire', KEYS[1], ARGV[2])
end
return 0
"""
# Delete the lock only while it is still ours.
_RELEASE = """
if redis.call('get', KEYS[1]) == ARGV[1] then
  return redis.call('del', KEYS[1])
end
return 0
"""


class RedisLeaderLock:
    """One named lock in Redis, held by this process's random token."""

    def __init__(self, redis: Redis, key: str, ttl_s: float) -> None:
        if ttl_s <= 0:
            raise ValueError("ttl_s must be positive")
        self.redis = redis
        self.key = key
        self.ttl_s = ttl_s
        self.token = secrets.token_hex(16)

    @property
    def _ttl_ms(self) -> int:
        return max(1, round(self.ttl_s * 1000))

    async def acquire(self) -> bool:
        """Take the lock if nobody holds it."""
        try:
            return bool(await self.redis.set(self.key, self.token, nx=True, px=self._ttl_ms))
        except RedisError as exc:
            raise TelegramGatewayError(f"redis: cannot take {self.key}: {exc}") from exc

    async def renew(self) -> bool:
        """Extend the lock; False when it is no longer ours (expired, or another holds it)."""
        try:
            extended = await self.redis.eval(_RENEW, 1, self.key, self.token, self._ttl_ms)
        except RedisError as exc:
            raise TelegramGatewayError(f"redis: cannot renew {self.key}: {exc}") from exc
        return bool(extended)

    async def release(self) -> bool:
        try:
            deleted = await self.redis.eval(_RELEASE, 1, self.key, self.token)
        except RedisError as exc:
            raise TelegramGatewayError(f"redis: cannot release {self.key}: {exc}") from exc
        return bool(deleted)

    async def holder(self) -> str | None:
        """The token of the process that holds the lock now, if any."""
        try:
            value = await self.redis.get(self.key)
        except RedisError as exc:
            raise TelegramGatewayError(f"redis: cannot read {self.key}: {exc}") from exc
        return value.decode() if isinstance(value, bytes) else value

    async def close(self) -> None:
        await self.redis.aclose()


Hook = Callable[[], Awaitable[None]]


class Leadership:
    """Runs `on_elected` when this process takes the lock and `on_deposed` when it loses it.

    `start` tries once and, when elected, runs `on_elected` before it returns (so a bad
    token or an unreachable Bot API fails the start, as without Redis); then a
    background task keeps the lock (heartbeat every `renew_s`) or waits for it (a try
    every `retry_s`).
    """

    def __init__(
        self,
        lock: RedisLeaderLock,
        *,
        on_elected: Hook,
        on_deposed: Hook,
        renew_s: float,
        retry_s: float,
    ) -> None:
        if not 0 < renew_s < lock.ttl_s:
            raise ValueError("renew_s must be positive and shorter than the lock's ttl")
        self.lock = lock
        self.renew_s = renew_s
        self.retry_s = retry_s
        self._on_elected = on_elected
        self._on_deposed = on_deposed
        self._task: asyncio.Task[None] | None = None
        self.leading = False
        self.elections = 0  # how often this process took the lock (for logs and tests)

    async def start(self) -> None:
        if await self._try_acquire():
            await self._lead()
        self._task = asyncio.create_task(self._run(), name=f"leadership {self.lock.key}")

    async def stop(self) -> None:
        """Stop receiving and hand the lock over at once (no waiting for it to expire)."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        if self.leading:
            await self._step_down("stopping")
            try:
                await self.lock.release()
            except TelegramGatewayError as exc:
                log.warning("%s; it expires in %.1fs", exc, self.lock.ttl_s)
        await self.lock.close()

    async def _try_acquire(self) -> bool:
        try:
            return await self.lock.acquire()
        except TelegramGatewayError as exc:
            log.warning("%s", exc)
            return False

    async def _lead(self) -> None:
        self.leading = True
        self.elections += 1
        log.info("this process receives the Telegram updates (lock %s)", self.lock.key)
        try:
            await self._on_elected()
        except BaseException:
            self.leading = False
            with contextlib.suppress(TelegramGatewayError):
                await self.lock.release()
            raise

    async def _step_down(self, why: str) -> None:
        self.leading = False
        log.warning("this process stops receiving Telegram updates: %s", why)
        try:
            await self._on_deposed()
        except Exception:
            log.exception("stopping the Telegram receiver failed")

    async def _run(self) -> None:
        while True:
            if self.leading:
                await self._step_down(await self._hold())
            await asyncio.sleep(self.retry_s)
            if await self._try_acquire():
                try:
                    await self._lead()
                except Exception:
                    log.exception("starting the Telegram receiver failed; trying again")

    async def _hold(self) -> str:
        """Renew until the lock is lost; returns why it was lost."""
        renewed_at = time.monotonic()
        while True:
            await asyncio.sleep(self.renew_s)
            try:
                if await self.lock.renew():
                    renewed_at = time.monotonic()
                    continue
                return "the lock expired or another process holds it"
            except TelegramGatewayError as exc:
                # Step down before the lock can expire and another replica start receiving.
                if time.monotonic() - renewed_at + self.renew_s >= self.lock.ttl_s:
                    return f"cannot renew the lock in time ({exc})"
                log.warning("%s; trying again", exc)
