"""`kefu eval retrieval|evidence`: measure search on a catalog and a set of queries.

Each command ingests `--catalog` into a fresh temporary workspace (SQLite,
index beside it) unless `--workdir` names one to create or reuse, writes one
prediction per input line to `--out`, and prints one JSON summary object as
the last line of its output. Progress and rejected lines go to stderr.
"""

from __future__ import annotations

import json
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any, Literal, TextIO, TypeVar

import typer

from bot.workspace import Workspace, open_workspace
from catalog.errors import CatalogError
from catalog.ingest import RejectedFile, ingest_catalog
from catalog.settings import CatalogSettings
from retrieval.errors import RetrievalError
from retrieval.evaluation import (
    BadLine,
    parse_evidence_case,
    parse_retrieval_case,
    read_jsonl,
    run_evidence_eval,
    run_retrieval_eval,
)
from retrieval.hybrid import HybridRetriever
from retrieval.settings import RetrievalSettings

EXIT_FAILED = 1
T = TypeVar("T")

eval_app = typer.Typer(help="Measure kefu on evaluation sets.", no_args_is_help=True)

CatalogOpt = Annotated[Path, typer.Option("--catalog", help="Catalog .jsonl/.csv to ingest.")]
WorkdirOpt = Annotated[
    Path | None,
    typer.Option("--workdir", help="Workspace to create or reuse instead of a temporary one."),
]
ModeOpt = Annotated[
    str | None, typer.Option("--mode", help="hybrid, dense or lexical (default: settings).")
]
FusionOpt = Annotated[
    str | None, typer.Option("--fusion", help="rrf or score (default: settings).")
]
WeightOpt = Annotated[
    float | None, typer.Option("--dense-weight", help="Weight of the dense side in fusion.")
]


def _progress(done: int, total: int) -> None:
    sys.stderr.write(f"\rembedding passages: {done}/{total}")
    if done >= total:
        sys.stderr.write("\n")
    sys.stderr.flush()


@contextmanager
def _workspace(catalog: Path, workdir: Path | None) -> Iterator[Workspace]:
    """A workspace holding `catalog`: temporary unless `workdir` is given."""
    with tempfile.TemporaryDirectory(prefix="kefu-eval-") as tmp:
        data_dir = (workdir or Path(tmp)).resolve()
        settings = CatalogSettings(
            data_dir=data_dir, database_url=f"sqlite:///{data_dir / 'kefu.db'}"
        )
        workspace = open_workspace(settings, RetrievalSettings(), progress=_progress)
        try:
            report = ingest_catalog(workspace.engine, catalog)
            typer.echo(report.summary(), err=True)
            for error in report.errors[:20]:
                typer.echo(f"{catalog}: {error}", err=True)
            yield workspace
        finally:
            workspace.close()


def _retriever(
    workspace: Workspace, mode: str | None, fusion: str | None, weight: float | None
) -> HybridRetriever:
    retriever = workspace.retriever
    changes: dict[str, Any] = {}
    if mode is not None:
        changes["mode"] = _choice(mode, ("hybrid", "dense", "lexical"), "--mode")
    if fusion is not None:
        changes["fusion"] = _choice(fusion, ("rrf", "score"), "--fusion")
    if weight is not None:
        changes["dense_weight"] = weight
    return retriever.with_params(**changes) if changes else retriever


def _choice(value: str, allowed: tuple[str, ...], option: str) -> str:
    if value not in allowed:
        raise typer.BadParameter(f"{option} must be one of {', '.join(allowed)}")
    return value


def _read_cases(path: Path, parse: Callable[[int, dict[str, Any]], T | BadLine]) -> list[T]:
    cases: list[T] = []
    rejected = 0
    for number, value in read_jsonl(path):
        parsed = value if isinstance(value, BadLine) else parse(number, value)
        if isinstance(parsed, BadLine):
            rejected += 1
            typer.echo(f"{path}: {parsed}", err=True)
        else:
            cases.append(parsed)
    if rejected:
        typer.echo(f"{path}: {rejected} line(s) rejected and skipped", err=True)
    return cases


def _run(body: Callable[[], dict[str, Any]]) -> None:
    try:
        summary = body()
    except (CatalogError, RetrievalError, RejectedFile, OSError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(EXIT_FAILED) from exc
    typer.echo(json.dumps(summary, ensure_ascii=False))


def _open_out(path: Path | None) -> TextIO | None:
    if path is None:
        return None
    path.parent.mkdir(parents=True, exist_ok=True)
    return open(path, "w", encoding="utf-8")


@eval_app.command("retrieval")
def retrieval_command(
    catalog: CatalogOpt,
    queries: Annotated[Path, typer.Option("--queries", help='Lines of {"query", "relevant"}.')],
    out: Annotated[Path, typer.Option("--out", help='Predictions: {"query", "ranked"} lines.')],
    workdir: WorkdirOpt = None,
    k: Annotated[int, typer.Option("-k", help="SKUs ranked per query (at least 10).")] = 10,
    mode: ModeOpt = None,
    fusion: FusionOpt = None,
    dense_weight: WeightOpt = None,
) -> None:
    """Rank products for each query: recall@1/5/10, mrr@10, latency."""

    def body() -> dict[str, Any]:
        cases = _read_cases(queries, parse_retrieval_case)
        with _workspace(catalog, workdir) as workspace:
            retriever = _retriever(workspace, mode, fusion, dense_weight)
            handle = _open_out(out)
            assert handle is not None
            with handle:
                summary = run_retrieval_eval(retriever, cases, handle, k)
            return {**summary, **_described(retriever)}

    _run(body)


@eval_app.command("evidence")
def evidence_command(
    catalog: CatalogOpt,
    qa: Annotated[Path, typer.Option("--qa", help='Lines of {"question", "sku", "evidence"}.')],
    out: Annotated[Path | None, typer.Option("--out", help="Per-question sources.")] = None,
    workdir: WorkdirOpt = None,
    k: Annotated[int, typer.Option("-k", help="Passages retrieved per question.")] = 5,
    mode: ModeOpt = None,
    fusion: FusionOpt = None,
    dense_weight: WeightOpt = None,
) -> None:
    """Search each question within its product: is a gold evidence text in the top k?"""

    def body() -> dict[str, Any]:
        cases = _read_cases(qa, parse_evidence_case)
        with _workspace(catalog, workdir) as workspace:
            retriever = _retriever(workspace, mode, fusion, dense_weight)
            handle = _open_out(out)
            try:
                summary = run_evidence_eval(retriever, cases, handle, k)
            finally:
                if handle is not None:
                    handle.close()
            return {**summary, **_described(retriever)}

    _run(body)


def _described(retriever: HybridRetriever) -> dict[str, Any]:
    p = retriever.params
    mode: Literal["hybrid", "dense", "lexical"] = p.mode
    described: dict[str, Any] = {"mode": mode, "embedder": retriever.embedder.name}
    if mode == "hybrid":
        described.update({"fusion": p.fusion, "dense_weight": p.dense_weight})
    described["index"] = retriever.index.dense.kind
    return described
