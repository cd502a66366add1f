"""The dashboard page, the report files, and the console router, on the hand-built shop."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import date
from xml.etree import ElementTree

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from analytics.dashboard import render_dashboard, render_report_html
from analytics.export import report_csv, report_json
from analytics.filters import Filters
from analytics.report import build_report
from analytics.settings import AnalyticsSettings
from bot.console_analytics import analytics_router
from tests.analytics.datasets import SERVICE_AS_OF, service_shop

RANGE = Filters(date(2026, 3, 2), date(2026, 3, 8))


def card_value(html: str, metric: str) -> str:
    found = re.search(rf'data-metric="{metric}"[^>]*>.*?<div class="value">([^<]*)</div>', html)
    assert found, metric
    return found.group(1)


def test_dashboard_shows_figures_charts_and_links(db: Engine) -> None:
    service_shop().write(db)
    html = render_dashboard(db, RANGE, as_of=SERVICE_AS_OF)
    assert card_value(html, "conversations") == "8"
    assert card_value(html, "automated_resolution") == "71.4%"  # 5 / 7
    assert card_value(html, "handoff") == "12.5%"
    assert html.count("<svg") >= 6  # two lines, intents, orders, repurchase, cohorts, RFM, scores
    for svg in re.findall(r"<svg.*?</svg>", html, flags=re.S):
        ElementTree.fromstring(svg)  # each chart is well-formed markup
    assert (
        'href="/console/conversations?from=2026-03-02&amp;to=2026-03-08&amp;metric=handoff"' in html
    )
    assert "metric=intent&amp;key=get_refund" in html
    # the form lists the channels and languages present
    assert '<option value="telegram">' in html and '<option value="zh">' in html


def test_filters_change_the_figures(db: Engine) -> None:
    service_shop().write(db)
    web = render_dashboard(db, Filters(RANGE.start, RANGE.end, ("telegram",)), as_of=SERVICE_AS_OF)
    assert card_value(web, "conversations") == "1"
    assert card_value(web, "handoff") == "100.0%"
    assert "channel=telegram" in web


def test_dashboard_in_chinese(db: Engine) -> None:
    service_shop().write(db)
    html = render_dashboard(db, RANGE, lang="zh", as_of=SERVICE_AS_OF)
    assert '<html lang="zh">' in html
    assert "助手自动解决率" in html and "热门意图" in html and "查物流" in html
    assert "平均满意度" in html  # the loyalty formula, in Chinese


def test_empty_database_renders(db: Engine) -> None:
    html = render_dashboard(db, RANGE, as_of=SERVICE_AS_OF, form_action=None)
    assert card_value(html, "conversations") == "0"
    assert card_value(html, "automated_resolution") == "–"
    assert "<form" not in html


def test_json_and_csv_carry_the_same_figures(db: Engine) -> None:
    service_shop().write(db)
    report = build_report(db, RANGE, AnalyticsSettings(), as_of=SERVICE_AS_OF)
    body = json.loads(report_json(report))
    assert body["service"]["conversations"] == 8
    assert body["service"]["automated_resolution"] == {
        "numerator": 5,
        "denominator": 7,
        "value": 5 / 7,
    }
    assert body["service_previous"]["conversations"] == 1  # H, on Mar 1
    headline = {h["name"]: h for h in body["headlines"]}
    assert headline["handoff"]["numerator"] == 1 and headline["handoff"]["denominator"] == 8
    rows = list(csv.DictReader(io.StringIO(report_csv(report))))
    handoff = next(r for r in rows if r["section"] == "headline" and r["metric"] == "handoff")
    assert (handoff["value"], handoff["numerator"], handoff["denominator"]) == ("0.125", "1", "8")
    intents = [r for r in rows if r["section"] == "intents"]
    assert {r["key"]: r["value"] for r in intents}["get_refund"] == "2"
    assert "<svg" in render_report_html(report, lang="en")


def test_console_router(db: Engine) -> None:
    service_shop().write(db)
    app = FastAPI()
    app.include_router(analytics_router(lambda: db))
    client = TestClient(app)
    page = client.get(
        "/console/analytics", params={"from": "2026-03-02", "to": "2026-03-08", "ui": "zh"}
    )
    assert page.status_code == 200
    assert "客户忠诚度分析" in page.text
    ids = client.get(
        "/console/analytics/conversations",
        params={"metric": "handoff", "from": "2026-03-02", "to": "2026-03-08", "channel": ""},
    )
    assert ids.json() == {"metric": "handoff", "key": "", "ids": ["C"]}
    data = client.get(
        "/console/analytics/report.json", params={"from": "2026-03-02", "to": "2026-03-08"}
    )
    assert data.json()["service"]["conversations"] == 8
    assert (
        client.get("/console/analytics/report.csv", params={"from": "2026-03-02"}).status_code
        == 200
    )
    bad = client.get("/console/analytics", params={"from": "2026-03-08", "to": "2026-03-01"})
    assert bad.status_code == 422
    unknown = client.get("/console/analytics/conversations", params={"metric": "nope"})
    assert unknown.status_code == 422


def test_router_uses_the_guard_it_is_given(db: Engine) -> None:
    from fastapi import Depends, HTTPException

    def staff_only() -> None:
        raise HTTPException(403, "staff only")

    app = FastAPI()
    app.include_router(analytics_router(lambda: db, dependencies=[Depends(staff_only)]))
    assert TestClient(app).get("/console/analytics").status_code == 403
