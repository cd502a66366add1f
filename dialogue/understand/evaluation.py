"""Scoring intent predictions: accuracy and macro-F1 over the labels of the gold set."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class IntentCase:
    text: str
    intent: str


@dataclass(frozen=True)
class BadLine:
    number: int
    reason: str

    def __str__(self) -> str:
        return f"line {self.number}: {self.reason}"


def read_intent_cases(path: Path) -> Iterator[IntentCase | BadLine]:
    """`{"text", "intent"}` lines; a line that is not one becomes a BadLine."""
    with path.open(encoding="utf-8") as fh:
        for number, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                data: Any = json.loads(line)
            except json.JSONDecodeError as exc:
                yield BadLine(number, f"not JSON ({exc.msg})")
                continue
            if not isinstance(data, dict):
                yield BadLine(number, "not a JSON object")
                continue
            text, intent = data.get("text"), data.get("intent")
            if not isinstance(text, str) or not text.strip():
                yield BadLine(number, '"text" must be a non-empty string')
            elif not isinstance(intent, str) or not intent:
                yield BadLine(number, '"intent" must be a non-empty string')
            else:
                yield IntentCase(text, intent)


def accuracy(gold: Sequence[str], predicted: Sequence[str]) -> float:
    if not gold:
        return 0.0
    return sum(g == p for g, p in zip(gold, predicted, strict=True)) / len(gold)


def macro_f1(gold: Sequence[str], predicted: Sequence[str]) -> float:
    """Mean F1 over the intents present in `gold`.

    Predicted labels that the gold set never uses (e.g. "other" on a set of
    service requests) count as errors for the gold intent, not as classes of
    their own, so the score compares across classifiers with different label sets.
    """
    labels = sorted(set(gold))
    if not labels:
        return 0.0
    pairs = list(zip(gold, predicted, strict=True))
    true_pos = Counter(g for g, p in pairs if g == p)
    gold_count = Counter(gold)
    pred_count = Counter(predicted)
    total = 0.0
    for label in labels:
        tp = true_pos[label]
        denom = gold_count[label] + pred_count[label]
        total += 2 * tp / denom if denom else 0.0
    return total / len(labels)
