"""Token-bucket rate limits per session and per IP, in memory or shared through Redis.

A bucket holds up to `capacity` tokens and refills at `per_second`; each message
takes one. An empty bucket answers how long until the next token, so the shopper
is told when to try again instead of being silently dropped.
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass
from typing import Any, Protocol

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Decision:
    allowed: bool
    retry_after: float = 0.0  # seconds until a token is back; 0 when allowed


@dataclass(frozen=True)
class Bucket:
    capacity: int
    per_second: float


class RateLimiter(Protocol):
    async def hit(self, key: str, bucket: Bucket) -> Decision: ...

    async def close(self) -> None: ...


class MemoryRateLimiter:
    """Buckets in a dict: right for one server process."""

    def __init__(self, max_keys: int = 100_000, clock: Any = time.monotonic) -> None:
        self._state: dict[str, tuple[float, float]] = {}  # key -> (tokens, updated)
        self._max_keys = max_keys
        self._clock = clock

    async def hit(self, key: str, bucket: Bucket) -> Decision:
        now = self._clock()
        tokens, updated = self._state.get(key, (float(bucket.capacity), now))
        tokens = min(float(bucket.capacity), tokens + (now - updated) * bucket.per_second)
        if tokens >= 1.0:
            self._state[key] = (tokens - 1.0, now)
            if len(self._state) > self._max_keys:
                self._forget_full(now, bucket)
            return Decision(True)
        self._state[key] = (tokens, now)
        return Decision(False, (1.0 - tokens) / bucket.per_second)

    def _forget_full(self, now: float, bucket: Bucket) -> None:
        # A bucket that has refilled completely carries no information: drop it.
        full_after = bucket.capacity / bucket.per_second
        stale = [k for k, (_, updated) in self._state.items() if now - updated >= full_after]
        for k in stale:
            del self._state[k]

    async def close(self) -> None:
        self._state.clear()


# Atomic refill-and-take on the server's clock, so several gateway processes agree.
_LUA = """
local capacity = tonumber(ARGV[1])
local rate = tonumber(ARGV[2])
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local state = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
local tokens = tonumber(state[1]) or capacity
local ts = tonumber(state[2]) or now
tokens = math.min(capacity, tokens + math.max(0, now - ts) * rate)
local allowed = 0
if tokens >= 1 then
  tokens = tokens - 1
  allowed = 1
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'ts', tostring(now))
redis.call('PEXPIRE', KEYS[1], math.ceil(capacity / rate * 1000) + 1000)
if allowed == 1 then return {1, 0} end
return {0, math.ceil((1 - tokens) / rate * 1000)}
"""


class RedisRateLimiter:
    """Buckets as Redis hashes, shared by every gateway process (KEFU_REDIS_URL).

    When Redis is unreachable the limiter lets messages through and logs it: a
    broken limiter must not take the shop's chat down with it.
    """

    def __init__(self, url: str, prefix: str = "kefu:rl:", max_connections: int = 64) -> None:
        import redis.asyncio as aioredis

        # A burst of messages waits its turn for one of `max_connections`, instead of
        # failing with "too many connections" and slipping through unlimited. The wait
        # is longer than a connect timeout: on a busy machine a burst of 1,000 took over
        # a second to drain, and every message still waiting then went through unchecked.
        pool = aioredis.BlockingConnectionPool.from_url(
            url,
            max_connections=max_connections,
            timeout=5.0,
            socket_timeout=1.0,
            socket_connect_timeout=1.0,
        )
        self._redis: Any = aioredis.Redis.from_pool(pool)
        self._script: Any = self._redis.register_script(_LUA)
        self._prefix = prefix

    async def hit(self, key: str, bucket: Bucket) -> Decision:
        from redis.exceptions import RedisError

        try:
            allowed, retry_ms = await self._script(
                keys=[self._prefix + key], args=[bucket.capacity, bucket.per_second]
            )
        except (RedisError, OSError) as exc:
            log.warning("rate limiter unavailable, letting the message through: %s", exc)
            return Decision(True)
        if int(allowed) == 1:
            return Decision(True)
        return Decision(False, int(retry_ms) / 1000.0)

    async def close(self) -> None:
        await self._redis.aclose()


class Limits:
    """The gateway's two buckets: one per IP address, one per conversation."""

    def __init__(self, limiter: RateLimiter, per_ip: Bucket, per_session: Bucket) -> None:
        self.limiter = limiter
        self.per_ip = per_ip
        self.per_session = per_session

    async def message(self, ip: str, conversation_id: str) -> Decision:
        by_ip = await self.limiter.hit("ip:" + ip, self.per_ip)
        if not by_ip.allowed:
            return by_ip
        return await self.limiter.hit("s:" + conversation_id, self.per_session)

    async def connect(self, ip: str) -> Decision:
        """Opening a socket or a conversation costs the IP one token too."""
        return await self.limiter.hit("ip:" + ip, self.per_ip)


def retry_after_header(decision: Decision) -> str:
    return str(max(1, math.ceil(decision.retry_after)))
