"""The headline figures: each with the previous period's value and the conversations behind it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from analytics.types import Rate

if TYPE_CHECKING:
    from analytics.report import Report

Kind = Literal["count", "rate", "seconds", "money", "mean", "score"]
Better = Literal["up", "down"]


@dataclass(frozen=True)
class Headline:
    name: str  # also the label key and, where one exists, the drill-down metric
    group: Literal["service", "commerce", "loyalty"]
    kind: Kind
    better: Better
    value: float | None
    previous: float | None = None
    numerator: int | None = None
    denominator: int | None = None
    drilldown: str = ""  # metric name for the conversation list; "" when none

    @property
    def change(self) -> float | None:
        """Rates: difference in percentage points; other figures: relative change."""
        if self.value is None or self.previous is None:
            return None
        if self.kind == "rate":
            return (self.value - self.previous) * 100
        if self.previous == 0:
            return None
        return (self.value - self.previous) / abs(self.previous)

    @property
    def improved(self) -> bool | None:
        change = self.change
        if change is None or change == 0:
            return None
        return (change > 0) == (self.better == "up")


def _rate(
    name: str,
    group: Literal["service", "commerce", "loyalty"],
    now: Rate,
    before: Rate | None,
    better: Better = "up",
    drilldown: str = "",
) -> Headline:
    return Headline(
        name, group, "rate", better, now.value, before.value if before else None,
        now.numerator, now.denominator, drilldown or name,
    )  # fmt: skip


def headlines(report: Report) -> list[Headline]:
    s, p = report.service, report.service_previous
    c, cp = report.commerce, report.commerce_previous
    r = report.repurchase
    m = report.rfm_migration
    return [
        Headline("conversations", "service", "count", "up", s.conversations, p.conversations,
                 drilldown="conversations"),
        _rate("automated_resolution", "service", s.automated_resolution, p.automated_resolution),
        _rate("handoff", "service", s.handoff, p.handoff, "down"),
        _rate("durable_resolution", "service", s.durable_resolution, p.durable_resolution,
              drilldown="not_durable"),
        _rate("repeat_contact", "service", s.repeat_contact, p.repeat_contact, "down"),
        Headline("csat_mean", "service", "mean", "up", s.csat_mean, p.csat_mean,
                 drilldown="csat_rated"),
        _rate("csat_rated", "service", s.csat_rated, p.csat_rated),
        _rate("thumbs_up", "service", s.thumbs_up, p.thumbs_up, drilldown="thumbs_down"),
        Headline("first_response_p50", "service", "seconds", "down", s.first_response_s.p50,
                 p.first_response_s.p50, drilldown="conversations"),
        Headline("first_response_p90", "service", "seconds", "down", s.first_response_s.p90,
                 p.first_response_s.p90, drilldown="conversations"),
        Headline("resolution_time_p50", "service", "seconds", "down", s.resolution_time_s.p50,
                 p.resolution_time_s.p50, drilldown="resolved"),
        Headline("resolution_time_p90", "service", "seconds", "down", s.resolution_time_s.p90,
                 p.resolution_time_s.p90, drilldown="resolved"),
        _rate("failed_verification", "service", s.failed_verification, p.failed_verification,
              "down"),
        _rate("click_through", "commerce", c.click_through, cp.click_through,
              drilldown="cards_clicked"),
        _rate("assisted_orders", "commerce", c.assisted_orders, cp.assisted_orders),
        Headline("assisted_revenue", "commerce", "money", "up", c.assisted_revenue,
                 cp.assisted_revenue, drilldown="assisted_orders"),
        _rate("repurchase_chatted", "loyalty", r.chatted, None, drilldown="chatters"),
        Headline("repurchase_matched", "loyalty", "rate", "up", r.matched_others_rate,
                 numerator=r.matched_others.numerator,
                 denominator=r.matched_others.denominator),
        _rate("segment_improved", "loyalty", Rate(m.improved, m.customers), None,
              drilldown="chatters"),
        Headline("loyalty_mean", "loyalty", "score", "up", report.loyalty.mean_score,
                 numerator=None, denominator=report.loyalty.customers, drilldown="chatters"),
    ]  # fmt: skip
