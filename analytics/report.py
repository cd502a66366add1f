"""Every figure of the dashboard for one scope, computed on one connection.

`QUERIES` names each dashboard query; the report runs them all, the benchmark
times them one by one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Engine

from analytics.cohorts import cohorts
from analytics.commerce import commerce_metrics
from analytics.errors import translate_db_errors
from analytics.filters import Filters, Scope
from analytics.gaps import knowledge_gaps
from analytics.loyalty import loyalty
from analytics.repurchase import repurchase
from analytics.rfm import rfm_migration
from analytics.series import daily
from analytics.service import service_metrics
from analytics.settings import AnalyticsSettings
from analytics.sql import for_analytics
from analytics.types import (
    Cohort,
    CommerceMetrics,
    DayPoint,
    KnowledgeGap,
    Loyalty,
    Migration,
    Repurchase,
    ServiceMetrics,
)

Query = Callable[[Connection, Scope], Any]

QUERIES: dict[str, Query] = {
    "service": service_metrics,
    "service_previous": lambda conn, scope: service_metrics(conn, scope.previous()),
    "daily": daily,
    "commerce": commerce_metrics,
    "commerce_previous": lambda conn, scope: commerce_metrics(conn, scope.previous()),
    "knowledge_gaps": knowledge_gaps,
    "repurchase": repurchase,
    "cohorts": cohorts,
    "rfm_migration": rfm_migration,
    "loyalty": loyalty,
}


@dataclass(frozen=True)
class Report:
    filters: Filters
    timezone: str
    as_of: datetime
    service: ServiceMetrics
    service_previous: ServiceMetrics
    daily: tuple[DayPoint, ...]
    commerce: CommerceMetrics
    commerce_previous: CommerceMetrics
    knowledge_gaps: tuple[KnowledgeGap, ...]
    repurchase: Repurchase
    cohorts: tuple[Cohort, ...]
    rfm_migration: Migration
    loyalty: Loyalty
    settings: AnalyticsSettings

    @property
    def scope(self) -> Scope:
        return Scope(self.filters, self.settings, self.as_of)


def build_report(
    engine: Engine,
    filters: Filters,
    settings: AnalyticsSettings | None = None,
    *,
    as_of: datetime | None = None,
) -> Report:
    """Compute every figure for `filters`; raises AnalyticsError when the database fails."""
    settings = settings or AnalyticsSettings()
    scope = Scope.of(filters, settings, as_of or datetime.now(UTC))
    with translate_db_errors(), engine.connect() as connection:
        for_analytics(connection)
        figures = {name: query(connection, scope) for name, query in QUERIES.items()}
    return Report(
        filters=filters,
        timezone=settings.timezone,
        as_of=scope.as_of,
        settings=settings,
        **figures,
    )
