"""What a dashboard or report looks at: local dates, channels, languages, the reading instant.

Dates are the shop's local calendar days (AnalyticsSettings.timezone); every
query compares stored timestamps (UTC) with the UTC instants of local midnights
computed here, so SQLite and PostgreSQL bucket alike and daylight-saving days
have their real length.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from analytics.errors import InvalidFilters
from analytics.settings import AnalyticsSettings

# A dashboard over more days than this is a report's job, not a chart's.
MAX_DAYS = 3 * 366


def local_midnight(day: date, zone: ZoneInfo) -> datetime:
    """The instant (aware, in UTC) at which `day` starts in `zone`."""
    return datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)


def to_utc(at: datetime) -> datetime:
    """An aware UTC datetime; a naive one is taken to be UTC already."""
    if at.tzinfo is None:
        return at.replace(tzinfo=UTC)
    return at.astimezone(UTC)


def local_date(at: datetime, zone: ZoneInfo) -> date:
    """The shop-local calendar day of an instant (naive means UTC)."""
    return to_utc(at).astimezone(zone).date()


@dataclass(frozen=True)
class Filters:
    """Local dates `start`..`end` (both included); empty tuples mean every channel / language."""

    start: date
    end: date
    channels: tuple[str, ...] = ()
    langs: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise InvalidFilters(f"the range ends ({self.end}) before it starts ({self.start})")
        if self.days > MAX_DAYS:
            raise InvalidFilters(f"a range of {self.days} days is longer than {MAX_DAYS}")

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def previous(self) -> Filters:
        """The same number of days just before, with the same channels and languages."""
        return replace(
            self, start=self.start - timedelta(days=self.days), end=self.start - timedelta(days=1)
        )

    @classmethod
    def last_days(
        cls,
        days: int,
        today: date,
        channels: tuple[str, ...] = (),
        langs: tuple[str, ...] = (),
    ) -> Filters:
        """The `days` local days ending with `today`."""
        return cls(today - timedelta(days=days - 1), today, channels, langs)


@dataclass(frozen=True)
class Bucket:
    """One local day or week: its label date and its UTC bounds [lo, hi)."""

    label: date
    lo: datetime
    hi: datetime


@dataclass(frozen=True)
class Scope:
    """Filters resolved against the settings and the reading instant `as_of` (UTC).

    Metrics whose outcome needs a window after a conversation (a return within
    24 h, a repeat contact within 7 days) count a conversation only once that
    window has passed at `as_of`, or the outcome is already known.
    """

    filters: Filters
    settings: AnalyticsSettings
    as_of: datetime
    t0: datetime = field(init=False)
    t1: datetime = field(init=False)

    def __post_init__(self) -> None:
        zone = self.settings.zone
        object.__setattr__(self, "as_of", to_utc(self.as_of))
        object.__setattr__(self, "t0", local_midnight(self.filters.start, zone))
        object.__setattr__(self, "t1", local_midnight(self.filters.end + timedelta(days=1), zone))

    @classmethod
    def of(
        cls, filters: Filters, settings: AnalyticsSettings, as_of: datetime | None = None
    ) -> Scope:
        return cls(filters, settings, as_of or datetime.now(UTC))

    @property
    def zone(self) -> ZoneInfo:
        return self.settings.zone

    def previous(self) -> Scope:
        return Scope(self.filters.previous(), self.settings, self.as_of)

    def days(self) -> list[Bucket]:
        """One bucket per local day of the range."""
        zone = self.zone
        out = []
        for offset in range(self.filters.days):
            day = self.filters.start + timedelta(days=offset)
            out.append(
                Bucket(day, local_midnight(day, zone), local_midnight(day + timedelta(1), zone))
            )
        return out

    def weeks(self, first: date, count: int) -> list[Bucket]:
        """`count` local weeks (Monday to Sunday) from the week holding `first`."""
        monday = first - timedelta(days=first.weekday())
        zone = self.zone
        return [
            Bucket(
                monday + timedelta(weeks=k),
                local_midnight(monday + timedelta(weeks=k), zone),
                local_midnight(monday + timedelta(weeks=k + 1), zone),
            )
            for k in range(count)
        ]

    def cohort_weeks(self) -> list[Bucket]:
        """The weekly cohorts shown: weeks starting in the range, the newest max_cohorts."""
        all_weeks = self.weeks(self.filters.start, self.filters.days // 7 + 2)
        inside = [w for w in all_weeks if w.lo < self.t1 and w.hi > self.t0]
        return inside[-self.settings.max_cohorts :]
