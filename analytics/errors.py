"""The analytics package's one error root, and the adapter that translates driver errors."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.exc import SQLAlchemyError


class AnalyticsError(Exception):
    """Anything analytics cannot compute: bad filters, an unreachable or broken database."""


class InvalidFilters(AnalyticsError):
    """A date range, channel or language that cannot be used."""


@contextmanager
def translate_db_errors() -> Iterator[None]:
    """Let no SQLAlchemy or driver exception leave the package."""
    try:
        yield
    except SQLAlchemyError as exc:
        lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
        raise AnalyticsError(
            f"database error: {lines[0] if lines else type(exc).__name__}"
        ) from exc
