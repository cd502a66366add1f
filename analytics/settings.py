"""Analytics settings: the shop's time zone and the windows every metric is defined by."""

from __future__ import annotations

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class AnalyticsSettings(BaseSettings):
    """Read once at start from `KEFU_ANALYTICS_*` environment variables (or a `.env` file).

    docs/analytics.md defines each metric in terms of these values.
    """

    model_config = SettingsConfigDict(
        env_prefix="KEFU_ANALYTICS_", env_file=".env", extra="ignore", frozen=True
    )

    # IANA zone of the shop: days and weeks start at local midnight there.
    timezone: str = "UTC"
    # A bot conversation with no answer from the shopper is assumed resolved when the
    # same shopper does not come back within this many hours.
    resolution_window_hours: int = Field(default=24, ge=1)
    # A resolution is durable when no new contact on the same topic follows within this.
    durable_window_days: int = Field(default=7, ge=1)
    # Repeat contact: another conversation from the same shopper within this.
    repeat_window_days: int = Field(default=7, ge=1)
    # An order is assisted when it contains a SKU the assistant recommended or
    # answered about to that customer at most this many days before the order.
    assisted_window_days: int = Field(default=7, ge=0)
    # Repurchase comparison: an order within this many days after the index date.
    repurchase_window_days: int = Field(default=30, ge=1)
    # The non-chatters compared are every k-th customer id, k chosen so that at
    # most this many are read (0: all of them); a sample this size measures a rate
    # to within a fraction of a point and keeps the query to a fixed cost.
    repurchase_sample: int = Field(default=20_000, ge=0)
    # Retention cohorts: how many weeks after the first conversation are shown,
    # and how many weekly cohorts at most.
    cohort_weeks: int = Field(default=8, ge=1, le=26)
    max_cohorts: int = Field(default=12, ge=1, le=52)
    # RFM scores: recency 3 when the last order is at most recency_days[0] days old,
    # 2 up to recency_days[1], else 1; frequency (orders in the last 365 days)
    # 3 from frequency_orders[1], 2 from frequency_orders[0], else 1.
    rfm_recency_days: tuple[int, int] = (30, 90)
    rfm_frequency_orders: tuple[int, int] = (2, 4)
    # Loyalty score: weights of recency, frequency, monetary value and satisfaction,
    # and the 365-day order count and spend that score full marks.
    loyalty_weights: tuple[float, float, float, float] = (0.35, 0.30, 0.20, 0.15)
    loyalty_frequency_cap: int = Field(default=10, ge=1)
    loyalty_monetary_cap: float = Field(default=5000.0, gt=0)
    # How many intents, knowledge gaps and customers the lists show.
    top_n: int = Field(default=10, ge=1, le=100)
    # Knowledge gaps: the newest this-many unanswered questions are grouped, two
    # questions join a group at this cosine similarity of character n-grams.
    gap_sample: int = Field(default=1000, ge=10, le=5000)
    gap_similarity: float = Field(default=0.45, gt=0, lt=1)
    # Where the staff console lists conversations: every figure links there.
    conversations_url: str = "/console/conversations"

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    @model_validator(mode="after")
    def _ordered_thresholds(self) -> AnalyticsSettings:
        if not 0 < self.rfm_recency_days[0] < self.rfm_recency_days[1]:
            raise ValueError("rfm_recency_days must be two increasing positive numbers")
        if not 1 < self.rfm_frequency_orders[0] < self.rfm_frequency_orders[1]:
            raise ValueError("rfm_frequency_orders must be two increasing numbers above 1")
        if any(w < 0 for w in self.loyalty_weights) or abs(sum(self.loyalty_weights) - 1) > 1e-6:
            raise ValueError("loyalty_weights must be four non-negative numbers summing to 1")
        return self

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)
