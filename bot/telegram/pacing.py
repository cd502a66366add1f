"""Telegram's overall limit: at most N messages in any one-second window.

A send counts from the moment it starts until one window after it completes, so
however the network delays requests, the server never sees more than N of them
within a second. Waiters are served first come, first served.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import deque
from collections.abc import Callable


class SendWindow:
    def __init__(
        self, limit: int, window_s: float = 1.0, *, clock: Callable[[], float] = time.monotonic
    ) -> None:
        if limit < 1:
            raise ValueError("limit must be at least 1")
        self.limit = limit
        self.window_s = window_s
        self._clock = clock
        self._in_flight = 0
        self._finished: deque[float] = deque()  # completion times within the window
        self._turn = asyncio.Lock()  # one waiter at a time, in arrival order
        self._changed = asyncio.Event()

    def _expire(self, now: float) -> None:
        while self._finished and self._finished[0] <= now - self.window_s:
            self._finished.popleft()

    async def acquire(self) -> None:
        """Wait for a free slot and take it; `release` must follow."""
        async with self._turn:
            while True:
                now = self._clock()
                self._expire(now)
                if self._in_flight + len(self._finished) < self.limit:
                    self._in_flight += 1
                    return
                # Full: wait for the oldest finished send to leave the window, or for a
                # send in flight to finish (it then starts its own window).
                timeout = self._finished[0] + self.window_s - now if self._finished else None
                self._changed.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._changed.wait(), timeout)

    def release(self) -> None:
        self._in_flight -= 1
        self._finished.append(self._clock())
        self._changed.set()
