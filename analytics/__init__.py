"""Loyalty analytics: what the assistant does for satisfaction, retention and repeat purchase.

Reads the transcripts (dialogue.transcript_tables: conversations and turns with
their intents, cards, citations, verification results and feedback) and the
shop's customers and orders (catalog.models), and writes one table of its own,
recommendation clicks (`record_card_click`). Every figure is aggregated in the
database with SQLAlchemy Core, on SQLite and PostgreSQL alike; days and weeks
are the shop's local ones (AnalyticsSettings.timezone). docs/analytics.md
defines each metric and its denominator.

    filters = Filters(date(2026, 10, 1), date(2026, 10, 31), channels=("web",))
    report = build_report(engine, filters)                 # every figure, frozen dataclasses
    html = render_dashboard(engine, filters, lang="zh")    # the dashboard page (inline SVG)
    report_json(report), report_csv(report)                # the same figures as files
    conversation_ids(conn, Scope.of(filters, settings), "handoff")   # a figure's conversations

Modules: service (resolution, handoff, CSAT, response times, intents), gaps
(unanswered questions grouped by similarity), commerce (click-through,
assisted orders and revenue), repurchase (chatters vs. matched non-chatters),
cohorts (weekly retention), rfm (segments and migration), loyalty (score),
dashboard + svg (the page), demo_data (seeded, removable demo data).
"""

from analytics.dashboard import available_filters, render_dashboard, render_report_html
from analytics.demo_data import DemoSpec, DemoSummary, generate_demo_data, remove_demo_data
from analytics.drilldown import METRICS, conversation_ids
from analytics.errors import AnalyticsError, InvalidFilters
from analytics.events import CardClick, forget_clicks, record_card_click
from analytics.export import report_csv, report_json
from analytics.filters import Filters, Scope
from analytics.links import ids_link, metric_link
from analytics.loyalty import customer_loyalty, formula
from analytics.report import QUERIES, Report, build_report
from analytics.schema import ensure_tables, init_analytics_schema
from analytics.settings import AnalyticsSettings

__all__ = [
    "METRICS",
    "QUERIES",
    "AnalyticsError",
    "AnalyticsSettings",
    "CardClick",
    "DemoSpec",
    "DemoSummary",
    "Filters",
    "InvalidFilters",
    "Report",
    "Scope",
    "available_filters",
    "build_report",
    "conversation_ids",
    "customer_loyalty",
    "ensure_tables",
    "forget_clicks",
    "formula",
    "generate_demo_data",
    "ids_link",
    "init_analytics_schema",
    "metric_link",
    "record_card_click",
    "remove_demo_data",
    "render_dashboard",
    "render_report_html",
    "report_csv",
    "report_json",
]
