"""The `kefu` command. Each group of subcommands lives in its own module."""

from __future__ import annotations

import typer

from bot.cli_chat import chat_command
from bot.cli_db import db_app
from bot.cli_eval import eval_app
from bot.cli_eval_intents import intents_command
from bot.cli_eval_qa import qa_command
from bot.cli_eval_verifier import verifier_command
from bot.cli_forget import forget_command
from bot.cli_index import index_app
from bot.cli_ingest import add_ingest_hook, ingest_app
from bot.cli_report import demo_app, report_command
from bot.cli_run import run_command
from bot.cli_search import search_command
from bot.cli_staff import staff_app
from bot.workspace import index_after_ingest

app = typer.Typer(
    help="kefu: a self-hosted AI customer-service and shopping assistant.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.add_typer(ingest_app, name="ingest")
app.add_typer(eval_app, name="eval")
eval_app.command("intents")(intents_command)
eval_app.command("qa")(qa_command)
eval_app.command("verifier")(verifier_command)
app.command("chat")(chat_command)
app.command("run")(run_command)
app.command("search")(search_command)
app.command("report")(report_command)
app.command("forget")(forget_command)
app.add_typer(demo_app, name="demo-data")
app.add_typer(db_app, name="db")
app.add_typer(index_app, name="index")
app.add_typer(staff_app, name="staff")
# The search index follows every catalog or documents ingest.
add_ingest_hook(index_after_ingest)


def main() -> None:
    app()
