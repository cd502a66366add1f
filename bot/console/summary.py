"""What a staff member taking over needs first: the conversation so far in a few lines.

Extractive on purpose: it quotes the shopper and lists what the checks refused,
so nothing in the summary can be a model's invention.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from dialogue.transcript_tables import Turn

LAST_SHOPPER_LINES = 3
MAX_FAILED_CHECKS = 6


@dataclass(frozen=True)
class FailedCheck:
    sentence: str
    verdict: str  # contradicted | unsupported
    claim: str
    expected: str
    action: str  # repair | drop


@dataclass(frozen=True)
class TakeoverSummary:
    shopper_messages: int
    assistant_answers: int
    first_question: str
    recent_questions: tuple[str, ...]
    intents: tuple[str, ...]
    products: tuple[str, ...]
    failed_checks: tuple[FailedCheck, ...] = field(default_factory=tuple)


def summarize(turns: Sequence[Turn]) -> TakeoverSummary:
    """`turns` in time order."""
    shopper = [t for t in turns if t.role == "user" and t.text.strip()]
    answers = [t for t in turns if t.role == "assistant"]
    intents = dict.fromkeys(t.intent for t in answers if t.intent and t.intent != "greeting")
    products: dict[str, None] = {}
    for turn in answers:
        for card in turn.cards:
            if isinstance(card, dict) and card.get("sku"):
                products[str(card["sku"])] = None
        for ref in turn.citations:
            sku = _sku_of(str(ref))
            if sku:
                products[sku] = None
    failed = [check for turn in answers for check in _failed_checks(turn.claims)]
    return TakeoverSummary(
        shopper_messages=len(shopper),
        assistant_answers=len(answers),
        first_question=_clip(shopper[0].text) if shopper else "",
        recent_questions=tuple(_clip(t.text) for t in shopper[-LAST_SHOPPER_LINES:]),
        intents=tuple(intents),
        products=tuple(list(products)[:8]),
        failed_checks=tuple(failed[-MAX_FAILED_CHECKS:]),
    )


def _failed_checks(claims: list[Any]) -> list[FailedCheck]:
    found = []
    for sentence in claims:
        if not isinstance(sentence, dict):
            continue
        for check in sentence.get("claims") or []:
            if not isinstance(check, dict) or check.get("verdict") == "supported":
                continue
            claim = check.get("claim") or {}
            found.append(
                FailedCheck(
                    sentence=_clip(str(sentence.get("sentence", ""))),
                    verdict=str(check.get("verdict", "")),
                    claim=str(claim.get("text", "")) if isinstance(claim, dict) else str(claim),
                    expected=str(check.get("expected") or ""),
                    action=str(sentence.get("action", "")),
                )
            )
    return found


def _sku_of(ref: str) -> str:
    # products cite "SKU#field"; documents cite "path/to/file.md#heading"
    head = ref.split("#", 1)[0]
    return "" if ("/" in head or "." in head) else head


def _clip(text: str, limit: int = 160) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
