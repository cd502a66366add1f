"""`kefu eval qa`: answer product questions from a catalog and score them (DATA_FORMATS.md)."""

from __future__ import annotations

import asyncio
import json
import re
import statistics
import tempfile
import time
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

import typer

from bot.assistant import start_assistant
from bot.workspace import open_workspace
from catalog.ingest import ingest_catalog
from catalog.settings import CatalogSettings
from dialogue.settings import DialogueSettings
from dialogue.types import Answer, SentenceOut, UserTurn
from retrieval.settings import RetrievalSettings

_WORD = re.compile(r"\w+", re.UNICODE)


def tokens(text: str) -> list[str]:
    """Lower-cased words; Chinese counted character by character."""
    out: list[str] = []
    for word in _WORD.findall(text.lower()):
        out.extend(list(word) if any("\u4e00" <= ch <= "\u9fff" for ch in word) else [word])
    return out


def token_f1(prediction: str, gold: str) -> float:
    pred, ref = tokens(prediction), tokens(gold)
    common = sum((Counter(pred) & Counter(ref)).values())
    if not pred or not ref or common == 0:
        return 0.0
    precision, recall = common / len(pred), common / len(ref)
    return 2 * precision * recall / (precision + recall)


def _norm(text: str) -> str:
    return " ".join(text.lower().split())


def qa_command(
    catalog: Path = typer.Option(..., exists=True, dir_okay=False, help="Catalog JSONL/CSV."),
    qa: Path = typer.Option(..., exists=True, dir_okay=False, help="Questions JSONL."),
    out: Path = typer.Option(..., help="Predictions JSONL to write."),
    workdir: Path = typer.Option(None, help="Workspace to reuse instead of a fresh temp one."),
    limit: int = typer.Option(0, help="Only the first N questions (0: all)."),
    no_lm: bool = typer.Option(False, help="Answer extractively, without the language model."),
    other_page: bool = typer.Option(
        False,
        help="Ask each question on another product's page (the next SKU in the file), whose "
        "facts should not answer it: `abstained` then measures saying so.",
    ),
) -> None:
    """Answer each question on its product page; print a JSON summary as the last line."""
    lines = qa.read_text(encoding="utf-8").splitlines()
    rows = [json.loads(line) for line in lines if line.strip()]
    if limit:
        rows = rows[:limit]
    if other_page:
        rows = [{**row, "sku": sku} for row, sku in zip(rows, _other_pages(rows), strict=True)]
    with tempfile.TemporaryDirectory(prefix="kefu-eval-") as tmp:
        data_dir = workdir or Path(tmp)
        summary = asyncio.run(_run(catalog, rows, out, data_dir, use_lm=not no_lm))
    typer.echo(json.dumps(summary))


def _other_pages(rows: list[dict[str, Any]]) -> list[str | None]:
    """For each row, the SKU of the next row that asks about another product (wrapping round)."""
    skus = [row.get("sku") for row in rows]
    out: list[str | None] = []
    for i, sku in enumerate(skus):
        later = (skus[(i + step) % len(skus)] for step in range(1, len(skus)))
        out.append(next((s for s in later if s and s != sku), None))
    return out


async def _run(
    catalog: Path, rows: list[dict[str, Any]], out: Path, data_dir: Path, use_lm: bool
) -> dict[str, float | int]:
    workspace = open_workspace(CatalogSettings(data_dir=data_dir),
                               RetrievalSettings(data_dir=data_dir))
    report = ingest_catalog(workspace.engine, catalog)
    typer.echo(report.summary(), err=True)
    runtime = await start_assistant(workspace=workspace, use_lm=use_lm,
                                    settings=DialogueSettings(max_new_tokens=96))
    f1s, hits, verified, latencies, firsts = [], [], [], [], []
    run_id = uuid.uuid4().hex[:8]
    try:
        with out.open("w", encoding="utf-8") as sink:
            for i, row in enumerate(rows):
                t0 = time.perf_counter()
                # a fresh conversation per question and per run: a reused --workdir must not
                # hand this run the last run's conversations (a handoff would silence the bot)
                conversation = f"eval-{run_id}-{i}"
                turn = UserTurn(conversation, "eval", row["question"], page_sku=row.get("sku"))
                answer, first_ms = None, None
                async for event in runtime.manager.handle(turn):
                    if isinstance(event, SentenceOut) and first_ms is None:
                        first_ms = (time.perf_counter() - t0) * 1000  # what the shopper sees
                    if isinstance(event, Answer):
                        answer = event
                assert answer is not None
                ms = (time.perf_counter() - t0) * 1000
                sources = list(answer.sources[:5])
                gold = [str(a) for a in row.get("answers", [])]
                f1s.append(max((token_f1(answer.text, g) for g in gold), default=0.0))
                evidence = {_norm(e) for e in row.get("evidence", [])}
                hits.append(any(_norm(s) in evidence for s in sources) if evidence else False)
                verified.append(answer.grounded)
                latencies.append(ms)
                firsts.append(ms if first_ms is None else first_ms)
                sink.write(json.dumps({
                    "question": row["question"], "sku": row.get("sku"), "answer": answer.text,
                    "sources": sources, "verified": answer.grounded, "latency_ms": round(ms),
                    "first_sentence_ms": round(firsts[-1]),
                }, ensure_ascii=False) + "\n")
    finally:
        await runtime.aclose()
    n = max(len(rows), 1)
    ordered = sorted(latencies) or [0.0]
    first_ordered = sorted(firsts) or [0.0]
    return {
        "questions": len(rows),
        "answer_f1": round(sum(f1s) / n, 4),
        "evidence_recall@5": round(sum(hits) / n, 4),
        "verified_rate": round(sum(verified) / n, 4),
        # no sentence citing a fact: the answer said the shop's data does not say, or handed off
        "abstained": round(1 - sum(verified) / n, 4),
        "p50_ms": round(statistics.median(ordered), 1),
        "p95_ms": round(ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))], 1),
        "first_sentence_p50_ms": round(statistics.median(first_ordered), 1),
    }
