"""Live events between server processes: handoffs, new messages, staff replies, typing.

One process alone uses `MemoryBus`; several replicas behind a load balancer use
`RedisBus` (Redis pub/sub on one channel), so a staff member on replica A reaches a
shopper whose socket is on replica B. Events are notifications, not the record:
every message is in the database first, and a receiver that needs the full
content reads it from there. A lost notification therefore delays a live update
until the next one or a reload; it never loses a message.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field, ValidationError

log = logging.getLogger(__name__)
CHANNEL = "kefu:live"

LiveKind = Literal[
    "message",  # a shopper, assistant or staff message was logged (text for live views)
    "owner",  # the conversation changed owner (bot / waiting / staff / closed)
    "typing",  # someone is typing: who = "shopper" or "staff"
    "events",  # new web events logged: replicas holding the shopper's socket replay them
    "frame",  # a streamed, unlogged frame (sentence, cards, typing) for sockets elsewhere
]


def _now() -> datetime:
    return datetime.now(UTC)


class LiveEvent(BaseModel):
    model_config = ConfigDict(frozen=True)

    kind: LiveKind
    conversation_id: str
    channel: str = ""
    owner: str = ""
    staff: str = ""  # the staff member concerned (owner, author, typist)
    role: str = ""  # for "message": user | assistant | staff
    who: str = ""  # for "typing": shopper | staff
    text: str = Field(default="", max_length=8000)
    reason: str = ""
    message_id: str = ""
    seq: int = 0  # for "events": the newest logged sequence number
    frame: str = Field(default="", max_length=256_000)  # for "frame": the frame as sent
    origin: str = ""  # the process that sent a "frame" (it has shown it already)
    at: datetime = Field(default_factory=_now)


Handler = Callable[[LiveEvent], Awaitable[None]]


class LiveBusError(Exception):
    """The shared bus (Redis) cannot be reached."""


class LiveBus(Protocol):
    def subscribe(self, handler: Handler) -> None: ...

    async def publish(self, event: LiveEvent) -> None: ...

    async def start(self) -> None: ...

    async def close(self) -> None: ...


async def _dispatch(handlers: list[Handler], event: LiveEvent) -> None:
    for handler in list(handlers):
        try:
            await handler(event)
        except Exception:  # one broken receiver must not silence the others
            log.exception("live event handler failed for %s", event.kind)


class MemoryBus:
    """Delivers events to this process's handlers only."""

    def __init__(self) -> None:
        self._handlers: list[Handler] = []

    def subscribe(self, handler: Handler) -> None:
        self._handlers.append(handler)

    async def publish(self, event: LiveEvent) -> None:
        await _dispatch(self._handlers, event)

    async def start(self) -> None:
        return None

    async def close(self) -> None:
        return None


class RedisBus:
    """Redis pub/sub: every process, the publisher included, gets every event once."""

    def __init__(self, url: str, channel: str = CHANNEL) -> None:
        from redis.asyncio import Redis

        self._redis = Redis.from_url(url)
        self._channel = channel
        self._handlers: list[Handler] = []
        self._reader: asyncio.Task[None] | None = None
        self._subscribed = asyncio.Event()

    def subscribe(self, handler: Handler) -> None:
        self._handlers.append(handler)

    async def publish(self, event: LiveEvent) -> None:
        await self._redis.publish(self._channel, event.model_dump_json())

    async def start(self) -> None:
        from redis.exceptions import RedisError

        try:
            await self._redis.ping()
        except RedisError as exc:
            raise LiveBusError(f"Redis for live events did not answer: {exc}") from exc
        if self._reader is None:
            self._reader = asyncio.create_task(self._read_forever())
            # Events published after start() returns reach this process too.
            await asyncio.wait_for(self._subscribed.wait(), timeout=10)

    async def close(self) -> None:
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reader
            self._reader = None
        await self._redis.aclose()

    async def _read_forever(self) -> None:
        from redis.exceptions import RedisError

        while True:
            pubsub = self._redis.pubsub(ignore_subscribe_messages=True)
            try:
                await pubsub.subscribe(self._channel)
                self._subscribed.set()
                async for message in pubsub.listen():
                    if message.get("type") == "message":
                        await self._receive(message["data"])
            except RedisError as exc:
                # Redis restarted or the network blinked: resubscribe after a pause.
                log.warning("live bus lost Redis, resubscribing: %s", exc)
                await asyncio.sleep(1.0)
            finally:
                with contextlib.suppress(Exception):
                    await pubsub.aclose()

    async def _receive(self, data: bytes | str) -> None:
        try:
            event = LiveEvent.model_validate_json(data)
        except ValidationError:
            log.warning("ignored a malformed live event")
            return
        await _dispatch(self._handlers, event)


def make_bus(redis_url: str) -> LiveBus:
    """Redis pub/sub when a Redis URL is set (several processes), else in-process."""
    return RedisBus(redis_url) if redis_url else MemoryBus()
