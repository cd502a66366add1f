"""`kefu ingest catalog|docs|orders`: load the shop's files into the database.

Exit status: 0 when every line loaded, 1 when a line or the file was
rejected, 2 when the database cannot be reached.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Annotated, NoReturn

import typer
from sqlalchemy import Engine

from catalog.db import create_db_engine, init_schema
from catalog.errors import CatalogError, DatabaseUnavailable
from catalog.ingest import (
    IngestReport,
    RejectedFile,
    ingest_catalog,
    ingest_documents,
    ingest_orders,
)
from catalog.settings import CatalogSettings

EXIT_REJECTED = 1
EXIT_DATABASE = 2
# Past this many, a summary line beats a wall of errors.
MAX_PRINTED_ERRORS = 50

IngestHook = Callable[[Engine, IngestReport], None]
_hooks: list[IngestHook] = []

ingest_app = typer.Typer(
    help="Load the shop's catalog, policy documents and orders.", no_args_is_help=True
)


def add_ingest_hook(hook: IngestHook) -> None:
    """Call `hook(engine, report)` after each committed ingest, e.g. to update the search index.

    The report's changed_* and deleted_* sets say exactly what to refresh.
    """
    _hooks.append(hook)


@ingest_app.command("catalog")
def catalog_command(
    file: Annotated[Path, typer.Argument(help="Catalog as .jsonl or .csv.")],
    delete_missing: Annotated[
        bool, typer.Option("--delete-missing", help="Delete products absent from FILE.")
    ] = False,
    strict: Annotated[
        bool, typer.Option("--strict", help="Reject the whole file when any line is bad.")
    ] = False,
) -> None:
    """Add or update products (upsert by sku)."""
    _run(lambda engine: ingest_catalog(engine, file, delete_missing=delete_missing, strict=strict))


@ingest_app.command("docs")
def docs_command(
    directory: Annotated[Path, typer.Argument(help="Folder of .md / .txt policy and FAQ files.")],
    delete_missing: Annotated[
        bool,
        typer.Option(
            "--delete-missing/--keep-missing", help="Drop passages of files no longer in DIR."
        ),
    ] = True,
) -> None:
    """Load policy and FAQ documents, one passage per heading."""
    _run(lambda engine: ingest_documents(engine, directory, delete_missing=delete_missing))


@ingest_app.command("orders")
def orders_command(
    file: Annotated[Path, typer.Argument(help="Orders as .jsonl or .csv.")],
    strict: Annotated[
        bool, typer.Option("--strict", help="Reject the whole file when any line is bad.")
    ] = False,
) -> None:
    """Add or update orders and their customers."""
    _run(lambda engine: ingest_orders(engine, file, strict=strict))


def _run(load: Callable[[Engine], IngestReport]) -> None:
    settings = CatalogSettings()
    try:
        engine = create_db_engine(settings.resolved_database_url())
    except DatabaseUnavailable as exc:
        _fail(str(exc), EXIT_DATABASE)
    try:
        init_schema(engine)
        report = load(engine)
        _print_report(report)
        _after_ingest(engine, report)
    except DatabaseUnavailable as exc:
        _fail(str(exc), EXIT_DATABASE)
    except RejectedFile as exc:
        _print_errors(exc.report)
        _fail(str(exc), EXIT_REJECTED)
    except CatalogError as exc:
        _fail(str(exc), EXIT_REJECTED)
    finally:
        engine.dispose()
    if not report.ok:
        raise typer.Exit(EXIT_REJECTED)


def _after_ingest(engine: Engine, report: IngestReport) -> None:
    for hook in _hooks:
        try:
            hook(engine, report)
        except CatalogError:
            raise
        except Exception as exc:
            # The data is committed; only what follows it (the index) lags behind.
            _fail(f"the data was stored, but updating after it failed: {exc}", EXIT_REJECTED)


def _print_report(report: IngestReport) -> None:
    typer.echo(report.summary())
    for note in report.notes:
        typer.echo(f"note: {note}")
    _print_errors(report)


def _print_errors(report: IngestReport) -> None:
    for error in report.errors[:MAX_PRINTED_ERRORS]:
        where = Path(report.source) / error.file if error.file else Path(report.source)
        typer.echo(f"{where}: {error}", err=True)
    hidden = len(report.errors) - MAX_PRINTED_ERRORS
    if hidden > 0:
        typer.echo(f"... and {hidden} more rejected line(s)", err=True)


def _fail(message: str, code: int) -> NoReturn:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)
