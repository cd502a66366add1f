"""Prometheus metrics of the assistant, served at /metrics: the only module that knows them.

Turn metrics come from the dialogue manager's turn reports (dialogue/observers.py);
gauges that describe a live object (open sockets, queue depths) are read from it
when Prometheus scrapes, through callables registered with `watch`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    PlatformCollector,
    ProcessCollector,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from dialogue.observers import TurnReport, add_turn_observer

log = logging.getLogger(__name__)

REGISTRY = CollectorRegistry()
ProcessCollector(registry=REGISTRY)
PlatformCollector(registry=REGISTRY)

TURNS = Counter(
    "kefu_turns", "Shopper messages answered.", ["channel", "intent"], registry=REGISTRY
)
STAGE_SECONDS = Histogram(
    "kefu_turn_stage_seconds",
    "Seconds per turn stage (understand, retrieve, generate, verify, first_sentence, total).",
    ["stage"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 4, 8, 15, 30, 60, 120),
    registry=REGISTRY,
)
VERDICTS = Counter(
    "kefu_verified_sentences",
    "Sentences of model answers by what the claim check did (send, repair, drop, pass).",
    ["verdict"],
    registry=REGISTRY,
)
HANDOFFS = Counter(
    "kefu_handoffs", "Conversations handed to a person, by reason.", ["reason"], registry=REGISTRY
)
MODEL_TOKENS = Counter(
    "kefu_model_tokens", "Tokens the language model generated.", ["model"], registry=REGISTRY
)
TOKENS_PER_SECOND = Histogram(
    "kefu_model_tokens_per_second",
    "Generation speed of one answer, in tokens per second.",
    ["model"],
    buckets=(1, 2, 5, 10, 20, 40, 80, 160, 320, 640),
    registry=REGISTRY,
)
STAGES = ("understand", "retrieve", "generate", "verify", "first_sentence", "total")


def observe_turn(report: TurnReport) -> None:
    """Count one turn; registered as a dialogue turn observer."""
    TURNS.labels(report.channel, report.intent).inc()
    for stage in STAGES:
        if stage in report.latency_ms:
            STAGE_SECONDS.labels(stage).observe(float(report.latency_ms[stage]) / 1000)
    for verdict in report.verdicts:
        VERDICTS.labels(verdict).inc()
    if report.handoff_reason is not None:
        HANDOFFS.labels(report.handoff_reason or "unspecified").inc()
    if report.model and report.tokens:
        MODEL_TOKENS.labels(report.model).inc(report.tokens)
        if report.generate_s > 0:
            TOKENS_PER_SECOND.labels(report.model).observe(report.tokens / report.generate_s)


def observe_turns() -> Callable[[], None]:
    """Start counting turns; returns the function that stops it."""
    return add_turn_observer(observe_turn)


class _LiveGauges(Collector):
    """Gauges read at scrape time from the objects that hold the numbers."""

    def __init__(self) -> None:
        self.sockets: Callable[[], float] | None = None
        self.queues: dict[str, Callable[[], float]] = {}

    def collect(self) -> Iterator[GaugeMetricFamily]:
        sockets = GaugeMetricFamily("kefu_web_sockets_open", "WebSocket connections open.")
        sockets.add_metric([], _read(self.sockets) if self.sockets else 0.0)
        yield sockets
        depth = GaugeMetricFamily(
            "kefu_queue_depth",
            "Items waiting: transcript writer backlog and spool, turns in flight.",
            labels=["queue"],
        )
        for name, read in sorted(self.queues.items()):
            depth.add_metric([name], _read(read))
        yield depth


def _read(source: Callable[[], float]) -> float:
    try:
        return float(source())
    except Exception:  # a scrape must still answer; the gauge shows NaN
        log.exception("metric source failed")
        return float("nan")


_LIVE = _LiveGauges()
REGISTRY.register(_LIVE)


def watch_sockets(read: Callable[[], float]) -> None:
    _LIVE.sockets = read


def watch_queue(name: str, read: Callable[[], float]) -> None:
    """Report `read()` as kefu_queue_depth{queue=name} on every scrape."""
    _LIVE.queues[name] = read


def exposition() -> tuple[bytes, str]:
    """The metrics in Prometheus' text format, and its content type."""
    return generate_latest(REGISTRY), CONTENT_TYPE_LATEST
