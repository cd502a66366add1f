"""`kefu forget CUSTOMER`: erase a customer and everything the shop holds of them.

Exit status: 0 when done (or shown with --dry-run), 2 for an unknown or
ambiguous customer, 3 when the database fails (nothing is changed then).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, NoReturn

import typer

from bot.forget import AmbiguousCustomer, ForgetError, UnknownCustomer, forget_customer
from catalog.db import create_db_engine
from catalog.errors import CatalogError
from catalog.settings import CatalogSettings

EXIT_UNKNOWN_CUSTOMER = 2
EXIT_DATABASE = 3


class CustomerKeyOption(StrEnum):
    auto = "auto"
    id = "id"
    email = "email"
    telegram = "telegram"


def forget_command(
    customer: Annotated[
        str, typer.Argument(help="The customer's id, email or Telegram id.", show_default=False)
    ],
    by: Annotated[
        CustomerKeyOption,
        typer.Option("--by", help="Read CUSTOMER as this only (when a number is ambiguous)."),
    ] = CustomerKeyOption.auto,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Show what would be removed; change nothing.")
    ] = False,
) -> None:
    """Erase a customer: conversations, messages, orders, and their rows in every table."""
    try:
        engine = create_db_engine(CatalogSettings().resolved_database_url())
    except CatalogError as exc:
        _fail(str(exc), EXIT_DATABASE)
    try:
        report = forget_customer(engine, customer, by=by.value, dry_run=dry_run)
    except (UnknownCustomer, AmbiguousCustomer) as exc:
        _fail(str(exc), EXIT_UNKNOWN_CUSTOMER)
    except ForgetError as exc:
        _fail(str(exc), EXIT_DATABASE)
    finally:
        engine.dispose()
    for line in report.lines():
        typer.echo(line)
    if dry_run:
        typer.echo("dry run: nothing was changed")


def _fail(message: str, code: int) -> NoReturn:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)
