"""A report as JSON (nested, every rate with its numerator and denominator) or CSV (long rows)."""

from __future__ import annotations

import csv
import dataclasses
import io
import json
from datetime import date, datetime
from typing import Any

from analytics.headlines import headlines
from analytics.report import Report
from analytics.types import Rate

CSV_COLUMNS = ("section", "metric", "key", "value", "numerator", "denominator", "previous")


def to_jsonable(value: Any) -> Any:
    """Dataclasses to dicts, dates to ISO text, rates with their value."""
    if isinstance(value, Rate):
        return {
            "numerator": value.numerator,
            "denominator": value.denominator,
            "value": value.value,
        }
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_jsonable(v) for v in value]
    return value


def report_json(report: Report) -> str:
    body = {
        "filters": to_jsonable(report.filters),
        "timezone": report.timezone,
        "as_of": report.as_of.isoformat(),
        "settings": report.settings.model_dump(mode="json"),
        "headlines": [to_jsonable(h) for h in headlines(report)],
    }
    for field in dataclasses.fields(report):
        if field.name not in body and field.name != "settings":
            body[field.name] = to_jsonable(getattr(report, field.name))
    return json.dumps(body, ensure_ascii=False, indent=2)


def report_csv(report: Report) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for row in csv_rows(report):
        writer.writerow(["" if v is None else v for v in row])
    return out.getvalue()


def csv_rows(report: Report) -> list[tuple[Any, ...]]:
    rows: list[tuple[Any, ...]] = []
    for h in headlines(report):
        rows.append(("headline", h.name, "", h.value, h.numerator, h.denominator, h.previous))
    for d in report.daily:
        day = d.day.isoformat()
        rows.append(("daily", "conversations", day, d.conversations, None, None, None))
        rows.append(_rate("daily", "automated_resolution", day, d.automated_resolution))
        rows.append(_rate("daily", "handoff", day, d.handoff))
        rows.append(("daily", "csat_mean", day, d.csat_mean, None, None, None))
    for o in report.commerce.days:
        rows.append(("daily", "orders", o.day.isoformat(), o.orders, None, None, None))
        rows.append(
            ("daily", "assisted_orders", o.day.isoformat(), o.assisted, o.assisted, o.orders, None)
        )
    n = report.service.conversations
    for c in report.service.top_intents:
        rows.append(("intents", "conversations", c.key, c.count, c.count, n, None))
    for g in report.knowledge_gaps:
        rows.append(("knowledge_gaps", "questions", g.question, g.count, None, None, None))
    for s in report.repurchase.strata:
        key = f"orders {s.orders_band} / last order {s.recency_band}"
        rows.append(("repurchase", "chatted", key, None, s.chatted_repurchased, s.chatted, None))
        rows.append(("repurchase", "others", key, None, s.others_repurchased, s.others, None))
    for co in report.cohorts:
        for k, (share, n) in enumerate(zip(co.retention, co.ordered, strict=True)):
            rows.append(("cohorts", f"week_{k}", co.week.isoformat(), share, n, co.customers, None))
    for before, after, count in report.rfm_migration.cells:
        rows.append(("rfm_migration", "customers", f"{before}>{after}", count, None, None, None))
    for r in report.loyalty.top:
        rows.append(("loyalty", "score", str(r.customer_id), r.score, None, None, None))
    return rows


def _rate(section: str, metric: str, key: str, rate: Rate) -> tuple[Any, ...]:
    return (section, metric, key, rate.value, rate.numerator, rate.denominator, None)
