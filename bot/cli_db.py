"""`kefu db`: bring the database schema to the newest revision, or say where it stands."""

from __future__ import annotations

import typer

from bot.migrate import schema_status, upgrade
from catalog.db import create_db_engine
from catalog.errors import CatalogError
from catalog.settings import CatalogSettings

db_app = typer.Typer(help="Database schema migrations.", no_args_is_help=True)


@db_app.command("upgrade")
def upgrade_command(
    revision: str = typer.Argument("head", help="Revision to migrate to (default: the newest)."),
) -> None:
    """Migrate the database (KEFU_DATABASE_URL) to REVISION; databases made before are adopted."""
    engine = create_db_engine(CatalogSettings().resolved_database_url())
    try:
        before = schema_status(engine)
        after = upgrade(engine, revision)
    except CatalogError as exc:
        typer.echo(f"kefu db upgrade: {exc}", err=True)
        raise typer.Exit(1) from exc
    finally:
        engine.dispose()
    if before.current == after.current:
        typer.echo(f"database already at revision {after.current}")
    elif before.current is None and before.legacy_tables:
        typer.echo(
            f"adopted a database of {before.legacy_tables} tables made before migrations; "
            f"now at revision {after.current}"
        )
    else:
        typer.echo(f"database upgraded from {before.current or 'empty'} to {after.current}")


@db_app.command("current")
def current_command() -> None:
    """Print the database's revision and the newest one; exit 1 when an upgrade is due."""
    engine = create_db_engine(CatalogSettings().resolved_database_url())
    try:
        status = schema_status(engine)
    except CatalogError as exc:
        typer.echo(f"kefu db current: {exc}", err=True)
        raise typer.Exit(1) from exc
    finally:
        engine.dispose()
    typer.echo(f"current: {status.current or 'none'}")
    typer.echo(f"head: {status.head}")
    if not status.up_to_date:
        typer.echo("run `kefu db upgrade` to migrate", err=True)
        raise typer.Exit(1)
