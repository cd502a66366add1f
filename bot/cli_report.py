"""`kefu report` (the analytics figures as a file) and `kefu demo-data generate|remove`.

Exit status: 0 on success, 1 for unusable options, 2 when the database
cannot be reached or fails.
"""

from __future__ import annotations

import sys
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Annotated, NoReturn

import typer
from pydantic import ValidationError
from sqlalchemy import Engine

from analytics import (
    AnalyticsError,
    AnalyticsSettings,
    DemoSpec,
    Filters,
    InvalidFilters,
    build_report,
    ensure_tables,
    generate_demo_data,
    remove_demo_data,
    render_report_html,
    report_csv,
    report_json,
)
from analytics.filters import local_date
from catalog.db import create_db_engine
from catalog.errors import CatalogError
from catalog.settings import CatalogSettings

EXIT_OPTIONS = 1
EXIT_DATABASE = 2

demo_app = typer.Typer(
    help="Demo conversations and orders for the demo shop (marked demo-, removable).",
    no_args_is_help=True,
)


class ReportFormat(StrEnum):
    html = "html"
    csv = "csv"
    json = "json"


def report_command(
    start: Annotated[
        str | None,
        typer.Option("--from", help="First local day, YYYY-MM-DD (default: 29 days before --to)."),
    ] = None,
    end: Annotated[
        str | None, typer.Option("--to", help="Last local day, YYYY-MM-DD (default: today).")
    ] = None,
    fmt: Annotated[
        ReportFormat, typer.Option("--format", help="html, csv or json.")
    ] = ReportFormat.html,
    out: Annotated[Path | None, typer.Option("--out", help="Write here instead of stdout.")] = None,
    channel: Annotated[
        list[str] | None, typer.Option("--channel", help="Only this channel (repeatable).")
    ] = None,
    lang: Annotated[
        list[str] | None, typer.Option("--lang", help="Only this language (repeatable).")
    ] = None,
    ui: Annotated[str, typer.Option("--ui", help="Language of the HTML report: en or zh.")] = "en",
    timezone: Annotated[
        str | None,
        typer.Option("--timezone", help="Shop time zone (default: KEFU_ANALYTICS_TIMEZONE)."),
    ] = None,
) -> None:
    """Write the dashboard's figures for a date range as HTML (with charts), CSV or JSON."""
    settings = _settings(timezone)
    today = local_date(datetime.now(UTC), settings.zone)
    last = _day(end, "--to") if end else today
    first = _day(start, "--from") if start else last - timedelta(days=29)
    try:
        filters = Filters(first, last, tuple(channel or ()), tuple(lang or ()))
    except InvalidFilters as exc:
        _fail(str(exc), EXIT_OPTIONS)
    engine = _engine()
    try:
        ensure_tables(engine)
        report = build_report(engine, filters, settings)
    except AnalyticsError as exc:
        _fail(str(exc), EXIT_DATABASE)
    finally:
        engine.dispose()
    if fmt is ReportFormat.html:
        body = render_report_html(report, lang=ui)
    elif fmt is ReportFormat.csv:
        body = report_csv(report)
    else:
        body = report_json(report)
    if out is None:
        sys.stdout.write(body)
        return
    out.write_text(body, encoding="utf-8")
    typer.echo(f"wrote {fmt.value} report for {first} – {last} to {out}", err=True)


@demo_app.command("generate")
def generate_command(
    seed: Annotated[int, typer.Option(help="Random seed: the same seed writes the same data.")] = 7,
    days: Annotated[int, typer.Option(help="How many days of history.")] = 180,
    end: Annotated[
        str | None, typer.Option("--end", help="Last day with data (default: today).")
    ] = None,
    customers: Annotated[int, typer.Option(help="Demo customers.")] = 400,
    conversations: Annotated[int, typer.Option(help="Conversations.")] = 3000,
    orders: Annotated[int, typer.Option(help="Orders, about (assisted ones come on top).")] = 2400,
) -> None:
    """Replace the demo data with months of generated conversations and orders."""
    settings = _settings(None)
    last = _day(end, "--end") if end else local_date(datetime.now(UTC), settings.zone)
    spec = DemoSpec(
        end=last, days=days, customers=customers, conversations=conversations,
        orders=orders, seed=seed, timezone=settings.timezone,
    )  # fmt: skip
    engine = _engine()
    try:
        ensure_tables(engine)
        summary = generate_demo_data(engine, spec)
    except AnalyticsError as exc:
        _fail(str(exc), EXIT_DATABASE)
    finally:
        engine.dispose()
    typer.echo(
        f"demo data for {last - timedelta(days=days - 1)} – {last}: {summary.customers} customers, "
        f"{summary.conversations} conversations, {summary.turns} turns, {summary.orders} orders, "
        f"{summary.clicks} card clicks"
    )


@demo_app.command("remove")
def remove_command() -> None:
    """Delete every demo row (ids starting with demo-, e-mails @demo.kefu.invalid)."""
    engine = _engine()
    try:
        ensure_tables(engine)
        summary = remove_demo_data(engine)
    except AnalyticsError as exc:
        _fail(str(exc), EXIT_DATABASE)
    finally:
        engine.dispose()
    typer.echo(
        f"removed {summary.customers} customers, {summary.conversations} conversations, "
        f"{summary.turns} turns, {summary.orders} orders, {summary.clicks} card clicks"
    )


def _settings(timezone: str | None) -> AnalyticsSettings:
    try:
        settings = AnalyticsSettings()
        if timezone:
            settings = AnalyticsSettings(**{**settings.model_dump(), "timezone": timezone})
    except ValidationError as exc:
        _fail(f"invalid analytics settings: {exc.errors()[0]['msg']}", EXIT_OPTIONS)
    return settings


def _engine() -> Engine:
    try:
        return create_db_engine(CatalogSettings().resolved_database_url())
    except CatalogError as exc:
        _fail(str(exc), EXIT_DATABASE)


def _day(value: str, option: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        _fail(f"{option} must be a date like 2026-03-31, not {value!r}", EXIT_OPTIONS)


def _fail(message: str, code: int) -> NoReturn:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)
