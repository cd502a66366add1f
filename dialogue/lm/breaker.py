"""A circuit breaker for the model server: stop calling a server that keeps failing.

closed     every request goes through; `failure_threshold` consecutive failures open it.
open       no request goes through until `cooldown_s` has passed since it opened; callers
           answer without the model at once instead of waiting for timeouts.
half-open  after the cool-down exactly one trial request goes through; its success closes
           the breaker, its failure opens it for another cool-down.

The breaker only counts; the caller says what a success and a failure are. It lives on
the event loop (no locks): every method is called from coroutines of one loop.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

log = logging.getLogger(__name__)

BreakerState = Literal["closed", "open", "half_open"]


@dataclass(frozen=True)
class BreakerSnapshot:
    """The breaker as a status page or a test sees it."""

    state: BreakerState
    consecutive_failures: int
    opened_for_s: float  # seconds since it last opened; 0 while closed


class CircuitBreaker:
    def __init__(
        self,
        name: str,
        *,
        failure_threshold: int = 5,
        cooldown_s: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if failure_threshold < 1:
            raise ValueError("failure_threshold must be at least 1")
        if cooldown_s < 0:
            raise ValueError("cooldown_s must be >= 0")
        self.name = name
        self.failure_threshold = failure_threshold
        self.cooldown_s = cooldown_s
        self._clock = clock
        self._failures = 0
        self._opened_at: float | None = None
        self._trial_in_flight = False

    @property
    def state(self) -> BreakerState:
        if self._opened_at is None:
            return "closed"
        if self._clock() - self._opened_at >= self.cooldown_s:
            return "half_open"
        return "open"

    def snapshot(self) -> BreakerSnapshot:
        opened = 0.0 if self._opened_at is None else self._clock() - self._opened_at
        return BreakerSnapshot(self.state, self._failures, round(opened, 3))

    def acquire(self) -> bool:
        """May a request go to the server now? In half-open, only the one trial may."""
        state = self.state
        if state == "closed":
            return True
        if state == "half_open" and not self._trial_in_flight:
            self._trial_in_flight = True
            log.info("model breaker %s half-open: sending one trial request", self.name)
            return True
        return False

    def retry_in_s(self) -> float:
        """Seconds until the next trial may be sent (0 when one may go now)."""
        if self._opened_at is None:
            return 0.0
        return max(0.0, self.cooldown_s - (self._clock() - self._opened_at))

    def record_success(self) -> None:
        if self._opened_at is not None:
            log.warning("model breaker %s closed: the server answers again", self.name)
        self._failures = 0
        self._opened_at = None
        self._trial_in_flight = False

    def record_failure(self) -> None:
        self._failures += 1
        trial_failed = self._trial_in_flight
        self._trial_in_flight = False
        if trial_failed or (self._opened_at is None and self._failures >= self.failure_threshold):
            self._opened_at = self._clock()
            log.warning(
                "model breaker %s open for %.1fs after %d consecutive failures",
                self.name,
                self.cooldown_s,
                self._failures,
            )

    def release(self) -> None:
        """The request ended with neither verdict (the caller gave up before any answer)."""
        self._trial_in_flight = False
