"""The `kefu` command. Each group of subcommands lives in its own module."""

from __future__ import annotations

import typer

app = typer.Typer(help="kefu: a self-hosted AI customer-service and shopping assistant.",
                  no_args_is_help=True, pretty_exceptions_enable=False)


def main() -> None:
    app()
