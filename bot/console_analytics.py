"""The analytics pages of the staff console: a thin FastAPI router over `analytics`.

    GET {prefix}                      the dashboard (HTML); ?from=&to=&channel=&lang=&ui=zh
    GET {prefix}/report.json|.csv     the same figures as files
    GET {prefix}/conversations        ids behind a figure: ?metric=&key=&from=&to=...

The console mounts it with its own permission check as a dependency, e.g.
`app.include_router(analytics_router(lambda: engine, dependencies=[Depends(staff_only)]))`.
Handlers are plain functions: FastAPI runs them in worker threads, so the
database work never blocks the event loop.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, HTTPException, Query
from fastapi.params import Depends
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import Engine

from analytics import (
    AnalyticsError,
    AnalyticsSettings,
    Filters,
    InvalidFilters,
    Scope,
    build_report,
    conversation_ids,
    render_dashboard,
    report_csv,
    report_json,
)
from analytics.errors import translate_db_errors
from analytics.filters import local_date
from analytics.sql import for_analytics

DEFAULT_DAYS = 30
MAX_IDS = 1000
T = TypeVar("T")


def analytics_router(
    engine: Callable[[], Engine],
    *,
    settings: AnalyticsSettings | None = None,
    prefix: str = "/console/analytics",
    dependencies: Sequence[Depends] = (),
) -> APIRouter:
    """Routes under `prefix`; `dependencies` guard every one (staff permission)."""
    config = settings or AnalyticsSettings()
    router = APIRouter(prefix=prefix, dependencies=list(dependencies), tags=["analytics"])

    def filters(
        start: date | None, end: date | None, channel: list[str], lang: list[str]
    ) -> Filters:
        last = end or local_date(datetime.now(UTC), config.zone)
        first = start or last - timedelta(days=DEFAULT_DAYS - 1)
        try:
            return Filters(first, last, _given(channel), _given(lang))
        except InvalidFilters as exc:
            raise HTTPException(422, str(exc)) from exc

    @router.get("", response_class=HTMLResponse, summary="Analytics dashboard")
    def dashboard(
        start: Annotated[date | None, Query(alias="from")] = None,
        end: Annotated[date | None, Query(alias="to")] = None,
        channel: Annotated[list[str], Query()] = [],  # noqa: B006 - FastAPI copies defaults
        lang: Annotated[list[str], Query()] = [],  # noqa: B006
        ui: str = "en",
    ) -> HTMLResponse:
        chosen = filters(start, end, channel, lang)
        html = _guard(
            lambda: render_dashboard(engine(), chosen, settings=config, lang=ui, form_action=prefix)
        )
        return HTMLResponse(html)

    @router.get("/report.json", summary="Every figure as JSON")
    def report_as_json(
        start: Annotated[date | None, Query(alias="from")] = None,
        end: Annotated[date | None, Query(alias="to")] = None,
        channel: Annotated[list[str], Query()] = [],  # noqa: B006
        lang: Annotated[list[str], Query()] = [],  # noqa: B006
    ) -> Response:
        report = _guard(lambda: build_report(engine(), filters(start, end, channel, lang), config))
        return Response(report_json(report), media_type="application/json")

    @router.get("/report.csv", summary="Every figure as CSV rows")
    def report_as_csv(
        start: Annotated[date | None, Query(alias="from")] = None,
        end: Annotated[date | None, Query(alias="to")] = None,
        channel: Annotated[list[str], Query()] = [],  # noqa: B006
        lang: Annotated[list[str], Query()] = [],  # noqa: B006
    ) -> Response:
        report = _guard(lambda: build_report(engine(), filters(start, end, channel, lang), config))
        return Response(report_csv(report), media_type="text/csv; charset=utf-8")

    @router.get("/conversations", summary="Ids of the conversations behind a figure")
    def drilldown(
        metric: str,
        key: str = "",
        start: Annotated[date | None, Query(alias="from")] = None,
        end: Annotated[date | None, Query(alias="to")] = None,
        channel: Annotated[list[str], Query()] = [],  # noqa: B006
        lang: Annotated[list[str], Query()] = [],  # noqa: B006
        limit: Annotated[int, Query(ge=1, le=MAX_IDS)] = 200,
    ) -> dict[str, Any]:
        scope = Scope.of(filters(start, end, channel, lang), config)

        def ids() -> list[str]:
            with translate_db_errors(), engine().connect() as conn:
                return conversation_ids(for_analytics(conn), scope, metric, key, limit)

        return {"metric": metric, "key": key, "ids": _guard(ids)}

    return router


def _given(values: list[str]) -> tuple[str, ...]:
    """Form selects send "" for "all"."""
    return tuple(v for v in values if v)


def _guard(work: Callable[[], T]) -> T:
    try:
        return work()
    except InvalidFilters as exc:
        raise HTTPException(422, str(exc)) from exc
    except AnalyticsError as exc:
        raise HTTPException(503, str(exc)) from exc
