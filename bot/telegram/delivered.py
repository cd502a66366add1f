"""Which outgoing message keys were already delivered: the outbox's idempotency record.

In memory by default; in Redis when several processes (or a restarted one) must
agree, e.g. when Telegram redelivers a webhook update that was already answered.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Protocol

from redis.asyncio import Redis
from redis.exceptions import RedisError

from bot.telegram.errors import TelegramGatewayError


class DeliveredKeys(Protocol):
    async def seen(self, key: str) -> bool: ...

    async def mark(self, key: str) -> None: ...

    async def close(self) -> None: ...


class MemoryDeliveredKeys:
    """The most recent `capacity` keys of this process."""

    def __init__(self, capacity: int = 100_000) -> None:
        self.capacity = capacity
        self._keys: OrderedDict[str, None] = OrderedDict()

    async def seen(self, key: str) -> bool:
        return key in self._keys

    async def mark(self, key: str) -> None:
        self._keys[key] = None
        self._keys.move_to_end(key)
        while len(self._keys) > self.capacity:
            self._keys.popitem(last=False)

    async def close(self) -> None:
        self._keys.clear()


class RedisDeliveredKeys:
    """Keys under `prefix`, kept for `ttl_s` (a day: longer than any redelivery)."""

    def __init__(self, redis: Redis, prefix: str, ttl_s: int = 86_400) -> None:
        self.redis = redis
        self.prefix = prefix
        self.ttl_s = ttl_s

    @classmethod
    def from_url(cls, url: str, prefix: str, ttl_s: int = 86_400) -> RedisDeliveredKeys:
        return cls(Redis.from_url(url), prefix, ttl_s)

    async def seen(self, key: str) -> bool:
        try:
            return bool(await self.redis.exists(f"{self.prefix}:sent:{key}"))
        except RedisError as exc:
            raise TelegramGatewayError(f"redis: {exc}") from exc

    async def mark(self, key: str) -> None:
        try:
            await self.redis.set(f"{self.prefix}:sent:{key}", b"1", ex=self.ttl_s)
        except RedisError as exc:
            raise TelegramGatewayError(f"redis: {exc}") from exc

    async def close(self) -> None:
        await self.redis.aclose()
