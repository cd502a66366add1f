"""Validators for one field of an input record; each raises BadValue with a readable reason."""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from catalog.ingest.lang import normalise_lang

INT32_MAX = 2**31 - 1
INT64_MAX = 2**63 - 1


class BadValue(ValueError):
    """The reason a record is rejected; the importer adds the line number."""


def text(data: Mapping[str, Any], key: str, *, max_len: int | None = None) -> str:
    """A string field; absent or null is ''. Numbers are accepted as their text."""
    value = data.get(key)
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise BadValue(f"{key} must be a string, got {kind_of(value)}")
    result = value.strip() if isinstance(value, str) else str(value)
    if max_len is not None and len(result) > max_len:
        raise BadValue(f"{key} is {len(result)} characters long, the limit is {max_len}")
    return result


def identifier(data: Mapping[str, Any], key: str, *, max_len: int) -> str:
    """A required key such as sku or order_id: a non-empty string (or integer)."""
    value = data.get(key)
    if value is None or (isinstance(value, str) and not value.strip()):
        raise BadValue(f"missing {key}")
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise BadValue(f"{key} must be a string, got {kind_of(value)}")
    return text(data, key, max_len=max_len)


def number(data: Mapping[str, Any], key: str) -> float | None:
    """A finite number >= 0; absent, null or an empty CSV cell is None. "39.99" is accepted."""
    value = data.get(key)
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    shown = value.strip() if isinstance(value, str) else value  # as the file wrote it
    if isinstance(value, bool):
        raise BadValue(f"{key} must be a number, got a boolean")
    if isinstance(value, str):
        written = value.strip()
        try:
            value = float(written)
        except ValueError:
            raise BadValue(f"{key} must be a number, got {written!r}") from None
    if not isinstance(value, int | float):
        raise BadValue(f"{key} must be a number, got {kind_of(value)}")
    result = float(value)
    if not math.isfinite(result):
        raise BadValue(f"{key} must be a finite number, got {shown}")
    if result < 0:
        raise BadValue(f"{key} must be >= 0, got {shown}")
    return result


def count(data: Mapping[str, Any], key: str, *, minimum: int = 0) -> int | None:
    """A whole number >= minimum that fits the database column; absent or empty is None."""
    value = data.get(key)
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise BadValue(f"{key} must be an integer, got a boolean")
    if isinstance(value, str):
        written = value.strip()
        try:
            value = float(written) if "." in written or "e" in written.lower() else int(written)
        except ValueError:
            raise BadValue(f"{key} must be an integer, got {written!r}") from None
    if isinstance(value, float):
        if not value.is_integer():
            raise BadValue(f"{key} must be an integer, got {value}")
        value = int(value)
    if not isinstance(value, int):
        raise BadValue(f"{key} must be an integer, got {kind_of(value)}")
    if value < minimum:
        raise BadValue(f"{key} must be >= {minimum}, got {value}")
    if value > INT32_MAX:
        raise BadValue(f"{key} is too large ({value} > {INT32_MAX})")
    return value


def obj(data: Mapping[str, Any], key: str) -> dict[str, Any]:
    """A JSON object; absent or null is {}."""
    value = data.get(key)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise BadValue(f"{key} must be an object, got {kind_of(value)}")
    return value


def lang(data: Mapping[str, Any], key: str = "lang") -> str:
    """A language tag reduced to its primary subtag ('zh-CN' -> 'zh'); '' when absent."""
    raw = text(data, key, max_len=35)
    if not raw:
        return ""
    tag = normalise_lang(raw)
    if tag is None:
        raise BadValue(f"{key} must be a language code such as 'en' or 'zh', got {raw!r}")
    return tag


def timestamp(data: Mapping[str, Any], key: str) -> datetime:
    """An ISO-8601 time ('2026-11-02T10:00:00Z'); without a zone it is taken as UTC."""
    raw = text(data, key)
    if not raw:
        raise BadValue(f"missing {key}")
    try:
        parsed = datetime.fromisoformat(raw)
    except ValueError:
        raise BadValue(
            f"{key} must be an ISO-8601 time like 2026-11-02T10:00:00Z, got {raw!r}"
        ) from None
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def kind_of(value: object) -> str:
    names = {dict: "an object", list: "a list", str: "a string", bool: "a boolean"}
    return names.get(type(value), type(value).__name__)
