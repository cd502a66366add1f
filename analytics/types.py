"""The figures analytics computes, as frozen values: what reports, charts and the API share."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class Rate:
    """numerator / denominator, both kept so every figure shows what it divides by."""

    numerator: int
    denominator: int

    @property
    def value(self) -> float | None:
        return self.numerator / self.denominator if self.denominator else None


@dataclass(frozen=True)
class Percentiles:
    """Nearest-rank percentiles of n values (seconds for durations)."""

    n: int
    p50: float | None
    p90: float | None


@dataclass(frozen=True)
class Count:
    key: str
    count: int
    share: float | None  # count / the denominator named where the list is defined


@dataclass(frozen=True)
class ServiceMetrics:
    conversations: int
    automated_resolution: Rate
    confirmed_resolutions: int
    assumed_resolutions: int
    pending_outcomes: int
    handoff: Rate
    durable_resolution: Rate
    repeat_contact: Rate
    csat_rated: Rate
    csat_mean: float | None
    csat_satisfied: Rate
    thumbs_up: Rate
    failed_verification: Rate
    first_response_s: Percentiles
    resolution_time_s: Percentiles
    top_intents: tuple[Count, ...]


@dataclass(frozen=True)
class DayPoint:
    """One local day of the series: volume and the day's rates."""

    day: date
    conversations: int
    automated_resolution: Rate
    handoff: Rate
    csat_mean: float | None


@dataclass(frozen=True)
class OrderDay:
    """One local day of orders, and how many of them the assistant assisted."""

    day: date
    orders: int
    assisted: int


@dataclass(frozen=True)
class KnowledgeGap:
    """Similar questions the assistant could not answer, most frequent first."""

    question: str  # the group's most typical question
    count: int
    examples: tuple[str, ...]
    conversation_ids: tuple[str, ...]


@dataclass(frozen=True)
class CommerceMetrics:
    cards_shown: int  # distinct (conversation, SKU) pairs shown as cards
    click_through: Rate  # clicked pairs / shown pairs
    orders: int
    revenue: float
    assisted_orders: Rate  # assisted orders / all orders in the range
    assisted_revenue: float
    assisted_revenue_share: float | None
    currency: str = ""  # the currency of the latest order in range
    days: tuple[OrderDay, ...] = ()  # orders and assisted orders per local day


@dataclass(frozen=True)
class Stratum:
    """One cell of the matching: prior order count band x recency band."""

    orders_band: str
    recency_band: str
    chatted: int
    chatted_repurchased: int
    others: int
    others_repurchased: int


@dataclass(frozen=True)
class Repurchase:
    """Repurchase of customers who chatted vs. matched customers who did not."""

    window_days: int
    chatted: Rate  # matched chatters who ordered within the window
    matched_others: Rate  # non-chatters in matched strata (raw counts)
    matched_others_rate: float | None  # non-chatters' rate re-weighted to the chatters' mix
    unmatched_chatters: int  # chatters in strata with no non-chatter
    immature_chatters: int  # chatters whose window has not passed yet (not counted)
    strata: tuple[Stratum, ...]


@dataclass(frozen=True)
class Cohort:
    week: date  # Monday of the local week of first conversation
    customers: int
    # share of the cohort that ordered in week k after (k = 0..), None when not yet observable
    retention: tuple[float | None, ...]
    ordered: tuple[int, ...]


@dataclass(frozen=True)
class Migration:
    """RFM segment of the customers who chatted: before the range vs. at its end."""

    segments: tuple[str, ...]  # display order, best first
    cells: tuple[tuple[str, str, int], ...]  # (segment before, segment after, customers)
    customers: int
    improved: int
    declined: int


@dataclass(frozen=True)
class LoyaltyRow:
    customer_id: int
    name: str
    score: float
    recency_days: float | None
    orders_365d: int
    spend_365d: float
    csat_mean: float | None
    segment: str


@dataclass(frozen=True)
class Loyalty:
    formula: str
    customers: int
    mean_score: float | None
    histogram: tuple[int, ...]  # customers per 10-point band, 0-9 .. 90-100
    top: tuple[LoyaltyRow, ...]
