"""`kefu eval intents`: classify each utterance of a labelled set, score the intents.

Writes one `{"text", "intent", "predicted"}` line per input line to `--out` and
prints one JSON summary object (accuracy, macro_f1) as the last line of output.
Bad input lines are reported on stderr with their number and skipped; the
command then exits non-zero after the summary.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Annotated, Any

import typer

from dialogue.settings import DialogueSettings
from dialogue.understand.classifier import IntentClassifier, cache_path
from dialogue.understand.evaluation import (
    BadLine,
    IntentCase,
    accuracy,
    macro_f1,
    read_intent_cases,
)
from dialogue.understand.training_data import load_examples
from retrieval.errors import RetrievalError
from retrieval.types import Embedder

EXIT_FAILED = 1
_BATCH = 256


def _load_embedder() -> Embedder:
    # Imported here: loading torch and the model is only needed once the command runs.
    from retrieval.embedder import load_embedder
    from retrieval.settings import RetrievalSettings

    return load_embedder(RetrievalSettings())


def intents_command(
    data: Annotated[Path, typer.Option("--data", help='Lines of {"text", "intent"}.')],
    out: Annotated[
        Path, typer.Option("--out", help='Predictions: {"text", "intent", "predicted"} lines.')
    ],
    train: Annotated[
        Path | None,
        typer.Option(
            "--train",
            help='Training utterances, {"text", "intent"} lines (default: the packaged set).',
        ),
    ] = None,
    tfidf_only: Annotated[
        bool, typer.Option("--tfidf-only", help="Character n-grams only, no sentence embedder.")
    ] = False,
) -> None:
    """Classify each utterance: accuracy and macro-F1 against its labelled intent."""
    try:
        cases: list[IntentCase] = []
        rejected = 0
        for item in read_intent_cases(data):
            if isinstance(item, BadLine):
                rejected += 1
                typer.echo(f"{data}: {item}", err=True)
            else:
                cases.append(item)
        examples = load_examples(train)
        embedder = None if tfidf_only else _load_embedder()
        settings = DialogueSettings()
        if not cache_path(settings.data_dir, embedder, examples).exists():
            typer.echo("training the intent model (once; it is cached)", err=True)
        classifier = IntentClassifier.load(settings, embedder, examples=examples)
        started = time.perf_counter()
        predicted: list[str] = []
        for start in range(0, len(cases), _BATCH):
            batch = cases[start : start + _BATCH]
            predicted += [intent for intent, _ in classifier.predict([c.text for c in batch])]
        elapsed = time.perf_counter() - started
        out.parent.mkdir(parents=True, exist_ok=True)
        with out.open("w", encoding="utf-8") as handle:
            for case, guess in zip(cases, predicted, strict=True):
                row = {"text": case.text, "intent": case.intent, "predicted": guess}
                handle.write(json.dumps(row, ensure_ascii=False) + "\n")
    except (OSError, ValueError, RetrievalError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(EXIT_FAILED) from exc
    gold = [c.intent for c in cases]
    summary: dict[str, Any] = {
        "accuracy": round(accuracy(gold, predicted), 4),
        "macro_f1": round(macro_f1(gold, predicted), 4),
        "n": len(cases),
        "rejected": rejected,
        "embedder": classifier.embedder_name or "none (tfidf only)",
        "ms_per_text": round(1000 * elapsed / max(len(cases), 1), 2),
    }
    if rejected:
        typer.echo(f"{data}: {rejected} line(s) rejected and skipped", err=True)
    typer.echo(json.dumps(summary, ensure_ascii=False))
    if rejected:
        raise typer.Exit(EXIT_FAILED)
