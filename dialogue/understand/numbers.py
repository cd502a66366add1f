"""Amounts as shoppers write them: "1,299", "2.5k", "1万5", "一千五", "三千五百"."""

from __future__ import annotations

import re

_DIGITS = {
    "零": 0,
    "〇": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "俩": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_UNITS = {"十": 10, "百": 100, "千": 1000, "万": 10_000}

ZH_NUMERAL_CHARS = "零〇一二两俩三四五六七八九十百千万"

# One amount token: Arabic digits with separators, decimals and k/w/万/千 suffixes,
# Arabic digits mixed with Chinese units ("1万5", "3千"), or Chinese numerals.
AMOUNT = (
    r"(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?"
    r"(?:\s*(?:[kKwW](?![a-zA-Z])|[万千百])(?:[一二两三四五六七八九]|\d(?!\d))?)?"
    rf"|[{ZH_NUMERAL_CHARS}]+"
)


def parse_zh_numeral(text: str) -> float | None:
    """Value of a Chinese numeral; colloquial trailing digits count one unit lower.

    "一千五" is 1500 and "两万三" 23000, the way they are spoken.
    """
    if not text or any(ch not in _DIGITS and ch not in _UNITS for ch in text):
        return None
    total = 0  # completed 万 groups
    section = 0  # value below 万
    digit: int | None = None
    last_unit = 1
    for ch in text:
        if ch in _DIGITS:
            # a run of digits ("一五") reads like Arabic digits
            digit = _DIGITS[ch] if digit is None else digit * 10 + _DIGITS[ch]
            continue
        unit = _UNITS[ch]
        if unit == 10_000:
            section += digit or 0
            total += (section or 1) * unit
            section, digit, last_unit = 0, None, unit
            continue
        # a bare "十" means 10
        section += (1 if digit is None else digit) * unit
        digit, last_unit = None, unit
    if digit is not None:
        # "一千五" / "两万三": a digit right after a unit counts one unit lower
        trailing = len(text) >= 2 and text[-2] in _UNITS and last_unit >= 100
        if trailing:
            section += digit * (last_unit // 10)
        else:
            section += digit
    return float(total + section)


def parse_amount(token: str) -> float | None:
    """Value of one AMOUNT token, or None when it is not a number."""
    token = token.strip().replace(" ", "")
    if not token:
        return None
    m = re.fullmatch(
        r"((?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?)([kKwW万千百]?)([一二两三四五六七八九\d]?)", token
    )
    if m:
        value = float(m.group(1).replace(",", ""))
        scale = {
            "k": 1000,
            "K": 1000,
            "千": 1000,
            "w": 10_000,
            "W": 10_000,
            "万": 10_000,
            "百": 100,
            "": 1,
        }[m.group(2)]
        tail = m.group(3)
        value *= scale
        if tail:
            if not m.group(2):
                return None  # "12一" is not an amount
            tail_value = int(tail) if tail.isdigit() else _DIGITS[tail]
            value += tail_value * scale / 10  # "1万5" = 15000, "3千5" = 3500
        return value
    return parse_zh_numeral(token)
