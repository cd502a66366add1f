"""How figures read on the dashboard, in English or Chinese."""

from __future__ import annotations

from analytics.headlines import Headline

_SYMBOLS = {"CNY": "¥", "RMB": "¥", "USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥"}
DASH = "–"


def percent(value: float | None) -> str:
    return DASH if value is None else f"{value * 100:.1f}%"


def count(value: float | None) -> str:
    return DASH if value is None else f"{value:,.0f}"


def mean(value: float | None) -> str:
    return DASH if value is None else f"{value:.2f}"


def score(value: float | None) -> str:
    return DASH if value is None else f"{value:.1f}"


def money(value: float | None, currency: str = "") -> str:
    if value is None:
        return DASH
    symbol = _SYMBOLS.get(currency.upper())
    if symbol:
        return f"{symbol}{value:,.0f}"
    return f"{value:,.0f} {currency}".strip()


def duration(seconds: float | None, lang: str = "en") -> str:
    if seconds is None:
        return DASH
    zh = lang == "zh"
    if seconds < 60:
        return f"{seconds:.0f} 秒" if zh else f"{seconds:.0f} s"
    if seconds < 3600:
        return f"{seconds / 60:.1f} 分钟" if zh else f"{seconds / 60:.1f} min"
    if seconds < 86_400 * 2:
        return f"{seconds / 3600:.1f} 小时" if zh else f"{seconds / 3600:.1f} h"
    return f"{seconds / 86_400:.1f} 天" if zh else f"{seconds / 86_400:.1f} d"


def headline_value(h: Headline, lang: str, currency: str = "") -> str:
    match h.kind:
        case "rate":
            return percent(h.value)
        case "count":
            return count(h.value)
        case "seconds":
            return duration(h.value, lang)
        case "money":
            return money(h.value, currency)
        case "mean":
            return mean(h.value)
        case "score":
            return score(h.value)
    return DASH


def change(h: Headline) -> str:
    """'+2.3 pp' for rates, '+12%' for the rest, '' when there is nothing to compare."""
    delta = h.change
    if delta is None:
        return ""
    arrow = "▲" if delta > 0 else "▼" if delta < 0 else "="
    if h.kind == "rate":
        return f"{arrow} {delta:+.1f} pp"
    return f"{arrow} {delta * 100:+.0f}%"
