"""The analytics dashboard in a real headless Chromium (Debian's), served by uvicorn.

It loads on the demo data, a filter changes the figures, the charts are drawn;
screenshots go to test-artifacts/ (analytics-en.png, analytics-zh.png).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI

from analytics.demo_data import DemoSpec, generate_demo_data
from analytics.schema import ensure_tables
from analytics.settings import AnalyticsSettings
from bot.console_analytics import analytics_router
from catalog.db import create_db_engine
from tests.support.browser import ARGS, ARTIFACTS, CHROMIUM
from tests.web.live_server import LiveServer

pytestmark = pytest.mark.browser

SPEC = DemoSpec(end=date(2026, 3, 31), days=90, customers=120, visitors=40,
                conversations=900, orders=700, seed=3)  # fmt: skip
RANGE = {"from": "2026-03-02", "to": "2026-03-31"}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is missing: run `make browser-deps`")
    engine = create_db_engine(f"sqlite:///{tmp_path_factory.mktemp('dash') / 'kefu.db'}")
    ensure_tables(engine)
    generate_demo_data(engine, SPEC)
    app = FastAPI()
    app.include_router(
        analytics_router(lambda: engine, settings=AnalyticsSettings(timezone=SPEC.timezone))
    )
    with LiveServer(app) as live:
        yield live
    engine.dispose()


@pytest.fixture(scope="module")
def page(server: LiveServer) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        context = browser.new_context(viewport={"width": 1280, "height": 900}, base_url=server.url)
        yield context.new_page()
        browser.close()


def figure(page: Any, metric: str) -> str:
    return str(page.locator(f'[data-metric="{metric}"] .value').inner_text())


def test_dashboard_loads_filters_and_draws_charts(page: Any) -> None:
    query = "&".join(f"{k}={v}" for k, v in RANGE.items())
    page.goto(f"/console/analytics?{query}")
    everyone = int(figure(page, "conversations").replace(",", ""))
    assert everyone > 100
    charts = page.locator("svg.chart")
    assert charts.count() >= 7
    box = charts.first.bounding_box()
    assert box is not None and box["width"] > 300 and box["height"] > 100
    assert page.locator("svg.chart circle").count() > 20  # the daily points are drawn
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "analytics-en.png"), full_page=True)

    page.select_option("select[name=channel]", "telegram")
    page.click("button[type=submit]")
    page.wait_for_url("**channel=telegram**")
    telegram = int(figure(page, "conversations").replace(",", ""))
    assert 0 < telegram < everyone
    link = page.locator('[data-metric="handoff"]').get_attribute("href")
    assert link is not None and "channel=telegram" in link and "metric=handoff" in link


def test_dashboard_in_chinese(page: Any) -> None:
    query = "&".join(f"{k}={v}" for k, v in RANGE.items())
    page.goto(f"/console/analytics?{query}&ui=zh")
    assert page.locator("h1").inner_text() == "客户忠诚度分析"
    assert page.locator("text=热门意图（会话数）").count() >= 1
    page.screenshot(path=str(ARTIFACTS / "analytics-zh.png"), full_page=True)
