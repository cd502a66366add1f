"""`kefu staff add|list|disable|enable|passwd`: staff accounts for the console.

Exit status: 0 when done, 1 when the request was refused (a taken email, a
weak password, an unknown account), 2 when the database cannot be reached.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, NoReturn, TypeVar

import typer
from sqlalchemy import Engine

from bot.console.audit import record_audit
from bot.console.passwords import generate_password
from bot.console.staff_store import (
    ROLES,
    StaffAccount,
    StaffError,
    add_staff,
    list_staff,
    set_active,
    set_password,
)
from bot.console.staff_tables import create_staff_tables
from catalog.db import create_db_engine, translate_db_errors
from catalog.errors import CatalogError, DatabaseUnavailable
from catalog.settings import CatalogSettings

EXIT_REFUSED = 1
EXIT_DATABASE = 2
# Recorded as the audit entry's detail: the change came from a shell, not a console session.
FROM_CLI = "from the command line"

T = TypeVar("T")

staff_app = typer.Typer(help="Staff accounts for the console at /console.", no_args_is_help=True)


@staff_app.command("add")
def add_command(
    email: Annotated[str, typer.Argument(help="Login email (stored lower-cased).")],
    role: Annotated[str, typer.Option("--role", help="agent or admin.")] = "agent",
    name: Annotated[str, typer.Option("--name", help="Name shown to colleagues.")] = "",
    generate: Annotated[
        bool, typer.Option("--generate", help="Generate a password and print it once.")
    ] = False,
) -> None:
    """Add a staff member; the password is asked twice (hidden) unless --generate."""
    if role not in ROLES:
        _fail(f"role must be one of {', '.join(ROLES)}, got {role!r}", EXIT_REFUSED)
    password = generate_password() if generate else _ask_password()
    account = _run(lambda engine: _add(engine, email, password, role, name))
    typer.echo(f"added {account.email} ({account.role})")
    if generate:
        typer.echo(f"password (shown only now): {password}")


def _add(engine: Engine, email: str, password: str, role: str, name: str) -> StaffAccount:
    account = add_staff(engine, email, password, role=role, name=name)
    record_audit(engine, None, "staff_added", detail=f"{account.email} as {role}, {FROM_CLI}")
    return account


@staff_app.command("list")
def list_command() -> None:
    """List every staff member with role, status and last login."""
    accounts = _run(list_staff)
    if not accounts:
        typer.echo("no staff members yet: add one with `kefu staff add EMAIL --role admin`")
        return
    for account in accounts:
        status = "active" if account.active else "disabled"
        last = account.last_login_at.strftime("%Y-%m-%d %H:%M") if account.last_login_at else "-"
        typer.echo(f"{account.email}\t{account.role}\t{status}\t{last}\t{account.name}")


@staff_app.command("disable")
def disable_command(email: Annotated[str, typer.Argument(help="The account's email.")]) -> None:
    """Disable an account; its sessions end at once."""
    account = _run(lambda engine: _set_active(engine, email, False))
    typer.echo(f"disabled {account.email}")


@staff_app.command("enable")
def enable_command(email: Annotated[str, typer.Argument(help="The account's email.")]) -> None:
    """Enable a disabled account again (also lifts a login lock)."""
    account = _run(lambda engine: _set_active(engine, email, True))
    typer.echo(f"enabled {account.email}")


def _set_active(engine: Engine, email: str, active: bool) -> StaffAccount:
    account = set_active(engine, email, active)
    action = "staff_enabled" if active else "staff_disabled"
    record_audit(engine, None, action, detail=f"{account.email}, {FROM_CLI}")
    return account


@staff_app.command("passwd")
def passwd_command(
    email: Annotated[str, typer.Argument(help="The account's email.")],
    generate: Annotated[
        bool, typer.Option("--generate", help="Generate a password and print it once.")
    ] = False,
) -> None:
    """Set a new password; the account's sessions end and any lock is lifted."""
    password = generate_password() if generate else _ask_password()
    account = _run(lambda engine: _passwd(engine, email, password))
    typer.echo(f"password changed for {account.email}")
    if generate:
        typer.echo(f"password (shown only now): {password}")


def _passwd(engine: Engine, email: str, password: str) -> StaffAccount:
    account = set_password(engine, email, password)
    record_audit(engine, None, "password_changed", detail=f"{account.email}, {FROM_CLI}")
    return account


def _ask_password() -> str:
    password: str = typer.prompt(
        "Password (12+ characters)", hide_input=True, confirmation_prompt=True
    )
    return password


def _run(action: Callable[[Engine], T]) -> T:
    settings = CatalogSettings()
    try:
        engine = create_db_engine(settings.resolved_database_url())
    except DatabaseUnavailable as exc:
        _fail(str(exc), EXIT_DATABASE)
    try:
        with translate_db_errors(engine):
            create_staff_tables(engine)
        return action(engine)
    except DatabaseUnavailable as exc:
        _fail(str(exc), EXIT_DATABASE)
    except (StaffError, CatalogError) as exc:
        _fail(str(exc), EXIT_REFUSED)
    finally:
        engine.dispose()


def _fail(message: str, code: int) -> NoReturn:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)
