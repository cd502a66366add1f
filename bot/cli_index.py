"""`kefu index build`: build or catch up the search index ahead of the servers.

Run once before the replicas start (a deploy job), so that no server spends its
start embedding the catalog; with `--demo`, an empty catalog gets the demo shop first.
"""

from __future__ import annotations

import sys
import time

import typer

from bot.assistant import catalog_is_empty, load_demo_shop
from bot.workspace import open_workspace
from catalog.errors import CatalogError
from retrieval.errors import RetrievalError
from retrieval.sync import open_index

index_app = typer.Typer(help="The search index.", no_args_is_help=True)


def _progress(done: int, total: int) -> None:
    sys.stderr.write(f"\rbuilding the search index: {done}/{total} passages embedded")
    if done >= total:
        sys.stderr.write("\n")
    sys.stderr.flush()


@index_app.command("build")
def build_command(
    demo: bool = typer.Option(False, help="Load the demo shop first when the catalog is empty."),
) -> None:
    """Build the index in KEFU_DATA_DIR from the catalog, or bring it up to date."""
    started = time.perf_counter()
    try:
        workspace = open_workspace(progress=_progress)
        try:
            if demo and catalog_is_empty(workspace):
                typer.echo("empty catalog: loading the demo shop")
                load_demo_shop(workspace)
            index, report = open_index(
                workspace.engine,
                workspace.embedder,
                workspace.index_dir,
                workspace.params,
                _progress,
            )
        finally:
            workspace.close()
    except (CatalogError, RetrievalError) as exc:
        typer.echo(f"kefu index build: {exc}", err=True)
        raise typer.Exit(1) from exc
    typer.echo(
        f"search index at {workspace.index_dir}: {index.n_passages} passages, "
        f"{report} ({time.perf_counter() - started:.1f} s)"
    )
