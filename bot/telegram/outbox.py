"""The outgoing queue: every message the bot sends goes through here.

- Each chat has its own FIFO lane, so a chat's messages arrive in the order they
  were queued; a lane sends at most one message per `chat_interval_s` (groups:
  `group_interval_s`), counted from when the previous send completed, so the
  server never sees two closer together.
- All lanes share one `SendWindow`: at most `global_per_s` sends in any second.
- A 429 puts the lane to sleep for exactly `retry_after` seconds, then the same
  message is tried again. Network errors and 5xx answers retry with exponential
  backoff until `give_up_after_s`; other refusals fail at once (retrying a bad
  request or a blocked chat cannot succeed).
- A message with a key is delivered once: a second `send` with a key in flight
  joins the first, and one already delivered is not sent again (the record lives
  in `DeliveredKeys`, Redis-backed across processes when configured).

A request whose connection drops after Telegram accepted it cannot be told apart
from one that never arrived (the Bot API has no idempotency key), so such a
message is sent again; a dropped connection before the request was read is not.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from aiogram import Bot
from aiogram.exceptions import (
    AiogramError,
    ClientDecodeError,
    TelegramAPIError,
    TelegramBadRequest,
    TelegramEntityTooLarge,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.methods import TelegramMethod

from bot.telegram.delivered import DeliveredKeys, MemoryDeliveredKeys
from bot.telegram.errors import DeliveryError, TelegramGatewayError
from bot.telegram.pacing import SendWindow
from bot.telegram.settings import TelegramSettings

log = logging.getLogger(__name__)
T = TypeVar("T")
_RESULTS_KEPT = 20_000


@dataclass(eq=False)
class _Job:
    chat_id: int
    method: TelegramMethod[Any]
    key: str | None
    future: asyncio.Future[Any]
    enqueued_at: float
    attempts: int = 0
    in_flight: bool = False


@dataclass(eq=False)
class _Lane:
    jobs: deque[_Job] = field(default_factory=deque)
    next_at: float = 0.0  # the earliest time the next send may start
    worker: asyncio.Task[None] | None = None


@dataclass(frozen=True)
class OutboxStats:
    sent: int
    rate_limited: int  # 429 answers received
    network_retries: int
    failed: int
    deduplicated: int
    queue_delays_s: tuple[float, ...]  # enqueue -> first attempt, per message


class Outbox:
    def __init__(
        self,
        bot: Bot,
        *,
        chat_interval_s: float = 1.0,
        group_interval_s: float = 3.0,
        global_per_s: int = 30,
        retry_base_s: float = 0.5,
        retry_max_s: float = 30.0,
        give_up_after_s: float = 900.0,
        delivered: DeliveredKeys | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.bot = bot
        self.chat_interval_s = chat_interval_s
        self.group_interval_s = group_interval_s
        self.retry_base_s = retry_base_s
        self.retry_max_s = retry_max_s
        self.give_up_after_s = give_up_after_s
        self.delivered: DeliveredKeys = delivered or MemoryDeliveredKeys()
        self._clock = clock
        self._window = SendWindow(global_per_s, clock=clock)
        self._lanes: dict[int, _Lane] = {}
        self._pending: dict[str, asyncio.Future[Any]] = {}
        self._queued: dict[str, _Job] = {}  # keyed jobs not yet settled
        self._results: OrderedDict[str, Any] = OrderedDict()
        self._closed = False
        self._sent = self._rate_limited = self._network_retries = 0
        self._failed = self._deduplicated = 0
        self._delays: deque[float] = deque(maxlen=100_000)

    @classmethod
    def from_settings(
        cls, bot: Bot, settings: TelegramSettings, delivered: DeliveredKeys | None = None
    ) -> Outbox:
        return cls(
            bot,
            chat_interval_s=settings.telegram_chat_interval_s,
            group_interval_s=settings.telegram_group_interval_s,
            global_per_s=settings.telegram_global_per_s,
            retry_base_s=settings.telegram_retry_base_s,
            retry_max_s=settings.telegram_retry_max_s,
            give_up_after_s=settings.telegram_give_up_after_s,
            delivered=delivered,
        )

    # ---- queueing -------------------------------------------------------------------

    async def send(
        self, chat_id: int, method: TelegramMethod[T], *, key: str | None = None
    ) -> T | None:
        """Deliver `method` through the chat's lane and return Telegram's result.

        None when `key` was delivered earlier by a call whose result is no longer
        known (another process, or before a restart). Raises DeliveryError.
        Cancelling the caller does not cancel the delivery.
        """
        result: T | None = await asyncio.shield(self.post(chat_id, method, key=key))
        return result

    def post(
        self, chat_id: int, method: TelegramMethod[Any], *, key: str | None = None
    ) -> asyncio.Future[Any]:
        """Queue `method` without waiting; the future gets the result."""
        loop = asyncio.get_running_loop()
        if key is not None:
            if key in self._results:
                self._deduplicated += 1
                done: asyncio.Future[Any] = loop.create_future()
                done.set_result(self._results[key])
                return done
            if key in self._pending:
                self._deduplicated += 1
                return self._pending[key]
        if self._closed:
            raise DeliveryError("the outbox is closed", permanent=True)
        future: asyncio.Future[Any] = loop.create_future()
        job = _Job(chat_id, method, key, future, self._clock())
        if key is not None:
            self._pending[key] = future
            self._queued[key] = job
        lane = self._lanes.setdefault(chat_id, _Lane())
        lane.jobs.append(job)
        if lane.worker is None:
            lane.worker = asyncio.create_task(self._work(chat_id, lane))
        return future

    def revise(self, key: str, method: TelegramMethod[Any]) -> bool:
        """Replace what a queued, not yet sent message will say; False if it is too late.

        An answer that is complete before its first streamed sentence left the queue
        then goes out once, final, instead of as a message and an edit.
        """
        job = self._queued.get(key)
        if job is None or job.in_flight or job.future.done():
            return False
        job.method = method
        return True

    async def attempt(self, method: TelegramMethod[Any]) -> bool:
        """One unqueued try, for what may be lost (chat actions, drafts): True if it worked."""
        try:
            await self.bot(method)
        except AiogramError as exc:
            log.debug("best-effort %s failed: %s", type(method).__name__, exc)
            return False
        return True

    # ---- the lane worker -----------------------------------------------------------

    async def _work(self, chat_id: int, lane: _Lane) -> None:
        while True:
            delay = lane.next_at - self._clock()
            if delay > 0:
                # Also after the lane empties: a message queued right after must
                # still keep its distance from the last one.
                await asyncio.sleep(delay)
                continue
            if not lane.jobs:
                if self._lanes.get(chat_id) is lane:
                    del self._lanes[chat_id]
                lane.worker = None
                return
            job = lane.jobs[0]
            if await self._try(job, lane):
                lane.jobs.popleft()

    async def _try(self, job: _Job, lane: _Lane) -> bool:
        """One attempt at the lane's first job; True when it is settled (sent or failed)."""
        if job.key is not None and job.attempts == 0 and await self._already_delivered(job.key):
            self._deduplicated += 1
            self._settle(job, None)
            return True
        await self._window.acquire()
        started = self._clock()
        if job.attempts == 0:
            self._delays.append(started - job.enqueued_at)
        job.attempts += 1
        job.in_flight = True
        try:
            result = await self.bot(job.method)
        except TelegramRetryAfter as exc:
            self._rate_limited += 1
            lane.next_at = self._clock() + exc.retry_after
            log.warning("429 from Telegram in chat %s: waiting %ss", job.chat_id, exc.retry_after)
            return False
        except TelegramBadRequest as exc:
            if "message is not modified" not in exc.message:
                return self._fail(job, lane, exc)
            result = True  # the edit is already shown: done
        except TelegramEntityTooLarge as exc:
            return self._fail(job, lane, exc)
        except (TelegramNetworkError, TelegramServerError, ClientDecodeError) as exc:
            if self._clock() - job.enqueued_at >= self.give_up_after_s:
                return self._fail(job, lane, exc, permanent=False)
            self._network_retries += 1
            backoff = min(self.retry_max_s, self.retry_base_s * 2 ** (job.attempts - 1))
            lane.next_at = self._clock() + backoff
            log.info("send to chat %s failed (%s); retrying in %.1fs", job.chat_id, exc, backoff)
            return False
        except TelegramAPIError as exc:
            return self._fail(job, lane, exc)
        except Exception as exc:  # a malformed request, a bug: fail this one, keep the lane going
            log.exception("sending %s to chat %s failed", type(job.method).__name__, job.chat_id)
            return self._fail(job, lane, exc)
        finally:
            job.in_flight = False
            self._window.release()
        lane.next_at = self._clock() + self._interval(job.chat_id)
        self._sent += 1
        if job.key is not None:
            await self._record_delivered(job.key, result)
        self._settle(job, result)
        return True

    def _interval(self, chat_id: int) -> float:
        return self.group_interval_s if chat_id < 0 else self.chat_interval_s

    def _fail(self, job: _Job, lane: _Lane, exc: Exception, *, permanent: bool = True) -> bool:
        self._failed += 1
        lane.next_at = self._clock() + self._interval(job.chat_id)
        description = getattr(exc, "message", None) or str(exc)
        log.warning(
            "giving up on %s to chat %s: %s", type(job.method).__name__, job.chat_id, description
        )
        if job.key is not None:
            self._pending.pop(job.key, None)
            self._queued.pop(job.key, None)
        if not job.future.done():
            error = DeliveryError(description, permanent=permanent)
            error.__cause__ = exc
            job.future.set_exception(error)
            # Callers that stopped waiting must not leave "exception never retrieved".
            job.future.add_done_callback(_consume)
        return True

    def _settle(self, job: _Job, result: Any) -> None:
        if job.key is not None:
            self._pending.pop(job.key, None)
            self._queued.pop(job.key, None)
        if not job.future.done():
            job.future.set_result(result)

    async def _already_delivered(self, key: str) -> bool:
        try:
            return await self.delivered.seen(key)
        except TelegramGatewayError as exc:
            log.warning("cannot check delivered keys (%s); sending", exc)
            return False

    async def _record_delivered(self, key: str, result: Any) -> None:
        self._results[key] = result
        while len(self._results) > _RESULTS_KEPT:
            self._results.popitem(last=False)
        try:
            await self.delivered.mark(key)
        except TelegramGatewayError as exc:
            log.warning("cannot record delivered key (%s)", exc)

    # ---- lifecycle and figures -----------------------------------------------------

    def queued(self) -> int:
        return sum(len(lane.jobs) for lane in self._lanes.values())

    async def drain(self, timeout: float | None = None) -> bool:
        """Wait until every queued message is settled; False on timeout."""
        futures = [job.future for lane in self._lanes.values() for job in lane.jobs]
        if not futures:
            return True
        _, pending = await asyncio.wait(futures, timeout=timeout)
        return not pending

    async def close(self, timeout: float = 10.0) -> None:
        """Deliver what is queued (up to `timeout`), then stop."""
        self._closed = True
        await self.drain(timeout)
        for chat_id, lane in list(self._lanes.items()):
            if lane.worker is not None:
                lane.worker.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await lane.worker
            for job in lane.jobs:
                if not job.future.done():
                    log.error(
                        "undelivered at shutdown: %s to chat %s", type(job.method).__name__, chat_id
                    )
                    job.future.set_exception(DeliveryError("shut down", permanent=False))
                    job.future.add_done_callback(_consume)
        self._lanes.clear()
        await self.delivered.close()

    def stats(self) -> OutboxStats:
        return OutboxStats(
            sent=self._sent,
            rate_limited=self._rate_limited,
            network_retries=self._network_retries,
            failed=self._failed,
            deduplicated=self._deduplicated,
            queue_delays_s=tuple(self._delays),
        )


def _consume(future: asyncio.Future[Any]) -> None:
    if not future.cancelled():
        future.exception()
