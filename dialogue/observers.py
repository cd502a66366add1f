"""What a finished turn tells the outside world (metrics), without dialogue knowing who listens.

The composition root registers observers (bot/metrics.py); the manager reports
each turn once, at its end. An observer that raises is logged and ignored: a
metric never fails or delays a reply. `CONVERSATION_ID` carries the conversation
of the turn being handled, so log lines can name it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from contextvars import ContextVar
from dataclasses import dataclass, field

log = logging.getLogger(__name__)

CONVERSATION_ID: ContextVar[str | None] = ContextVar("kefu_conversation_id", default=None)


@dataclass(frozen=True)
class TurnReport:
    """One answered shopper message, as metrics see it."""

    channel: str
    intent: str
    # per stage, as in the transcript: understand, retrieve, generate, verify, total, ...
    latency_ms: Mapping[str, float] = field(default_factory=dict)
    # one action per checked sentence: send, repair, drop, pass
    verdicts: tuple[str, ...] = ()
    handoff_reason: str | None = None
    model: str = ""
    tokens: int = 0
    generate_s: float = 0.0  # time the model spent streaming, for tokens per second


TurnObserver = Callable[[TurnReport], None]
_observers: list[TurnObserver] = []


def add_turn_observer(observer: TurnObserver) -> Callable[[], None]:
    """Call `observer` after every turn; returns a function that removes it again."""
    _observers.append(observer)

    def remove() -> None:
        if observer in _observers:
            _observers.remove(observer)

    return remove


def report_turn(report: TurnReport) -> None:
    for observer in list(_observers):
        try:
            observer(report)
        except Exception:
            log.exception("turn observer %r failed", observer)
