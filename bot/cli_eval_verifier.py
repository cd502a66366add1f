"""`kefu eval verifier`: the claim checker on human answers, on the right page and a wrong one.

Each gold answer sentence of a QA file is checked twice: against the passages retrieved
for its question on its own product page, and against those retrieved on another
product's page. A good checker sends most of the first (people answered from that
page) and few of the second, above all few with a figure in them: another page's
facts cannot vouch for "it comes with 2 molds". The passages come from
`kefu eval evidence --out`, so the checker can be tuned without a search model at hand.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer

from dialogue.verify import (
    FactSet,
    PassageFact,
    ProductFact,
    SentenceVerdict,
    verify_sentence,
)
from dialogue.verify.sentences import split_sentences


def _facts(record: dict[str, Any], k: int) -> FactSet:
    sku = record["sku"]
    passages = [
        PassageFact(citation, text, sku=sku)
        for citation, text in zip(record["citations"][:k], record["sources"][:k], strict=True)
    ]
    return FactSet.build([ProductFact(sku)], passages)


def _next_other(records: list[dict[str, Any]], i: int) -> dict[str, Any] | None:
    """The next record (wrapping round) retrieved on another product's page."""
    for step in range(1, len(records)):
        candidate = records[(i + step) % len(records)]
        if candidate["sku"] != records[i]["sku"]:
            return candidate
    return None


def _has_figure(verdict: SentenceVerdict) -> bool:
    return any(c.claim.kind == "quantity" for c in verdict.claims)


def verifier_command(
    qa: Path = typer.Option(..., exists=True, dir_okay=False, help="Questions with answers."),
    sources: Path = typer.Option(
        ..., exists=True, dir_okay=False, help="Per-question sources of `kefu eval evidence`."
    ),
    k: int = typer.Option(5, help="Sources per question taken as the facts."),
    limit: int = typer.Option(0, help="Only the first N questions (0: all)."),
) -> None:
    """Check gold answers against their own page's facts and another page's; print a summary."""
    rows = [json.loads(line) for line in qa.read_text(encoding="utf-8").splitlines() if line]
    found = [json.loads(line) for line in sources.read_text(encoding="utf-8").splitlines() if line]
    if len(rows) != len(found):
        raise typer.BadParameter(f"{qa} has {len(rows)} questions, {sources} {len(found)} records")
    if limit:
        rows, found = rows[:limit], found[:limit]
    counts = {"sentences": 0, "own_sent": 0, "other_sent": 0, "other_sent_with_figure": 0}
    for i, (row, record) in enumerate(zip(rows, found, strict=True)):
        own = _facts(record, k)
        nxt = _next_other(found, i)
        other = _facts(nxt, k) if nxt else FactSet()
        other_sku = nxt["sku"] if nxt else None
        for answer in row.get("answers", []):
            for sentence in split_sentences(answer):
                counts["sentences"] += 1
                counts["own_sent"] += verify_sentence(sentence, own, record["sku"]).sent
                wrong = verify_sentence(sentence, other, other_sku)
                counts["other_sent"] += wrong.sent
                counts["other_sent_with_figure"] += wrong.sent and _has_figure(wrong)
    total = max(counts["sentences"], 1)
    summary: dict[str, float | int] = {
        **counts,
        "own_sent_rate": round(counts["own_sent"] / total, 4),
        "other_sent_rate": round(counts["other_sent"] / total, 4),
    }
    typer.echo(json.dumps(summary))
