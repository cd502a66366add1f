"""Chinese and English numerals: 三十, 两千五, 一点五; "twenty-four", "two hundred and five"."""

from __future__ import annotations

import re

_ZH_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5}
_ZH_DIGITS.update({"六": 6, "七": 7, "八": 8, "九": 9})
_ZH_SMALL = {"十": 10, "百": 100, "千": 1000}
_ZH_BIG = {"万": 10_000, "亿": 100_000_000}
ZH_NUMERAL_CHARS = "".join(_ZH_DIGITS) + "".join(_ZH_SMALL) + "".join(_ZH_BIG)

_EN_UNITS_TEXT = (
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
    "fifteen sixteen seventeen eighteen nineteen"
)
_EN_UNITS = _EN_UNITS_TEXT.split()
_EN_TENS = ["twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
_EN_VALUES = {w: float(i) for i, w in enumerate(_EN_UNITS)}
_EN_VALUES.update({w: float(20 + 10 * i) for i, w in enumerate(_EN_TENS)})
_EN_SCALES = {"hundred": 100.0, "thousand": 1e3, "million": 1e6, "dozen": 12.0}
EN_NUMBER_WORD = "(?:" + "|".join([*_EN_UNITS, *_EN_TENS, *_EN_SCALES]) + ")"


def parse_zh_numeral(text: str) -> float | None:
    """三十 -> 30, 一百零五 -> 105, 两千五 -> 2500, 1.5 stays out (digits are parsed elsewhere)."""
    whole, _, frac = text.partition("点")
    value = _parse_zh_int(whole)
    if value is None:
        return None
    if frac:
        digits = [_ZH_DIGITS.get(c) for c in frac]
        if any(d is None for d in digits):
            return None
        return value + float("0." + "".join(str(d) for d in digits))
    return float(value)


def _parse_zh_int(text: str) -> int | None:
    if not text:
        return None
    if text == "半":
        return None
    if all(c in _ZH_DIGITS for c in text):  # 二〇二六: digit by digit
        return int("".join(str(_ZH_DIGITS[c]) for c in text))
    total = section = 0
    digit: int | None = None
    last_unit = 0  # value of the last 十/百/千/万, for colloquial 两千五 = 2500
    for c in text:
        if c in _ZH_DIGITS:
            digit = _ZH_DIGITS[c]
            if c in "零〇":
                last_unit = 0
        elif c in _ZH_SMALL:
            section += (1 if digit is None else digit) * _ZH_SMALL[c]
            last_unit, digit = _ZH_SMALL[c], None
        elif c in _ZH_BIG:
            section += digit or 0
            total = (total + section) * _ZH_BIG[c] if c == "亿" else total + section * _ZH_BIG[c]
            section, digit, last_unit = 0, None, _ZH_BIG[c]
        else:
            return None
    if digit is not None:
        # 一百五 = 150 (the trailing digit counts in tens), 一百零五 = 105 (after 零 it is ones)
        section += digit * (last_unit // 10 if last_unit >= 10 else 1)
    return total + section


def _en_kind(word: str) -> str:
    if word in _EN_SCALES:
        return word if word in ("hundred", "dozen") else "scale"
    return "tens" if word in _EN_TENS else "small"


# Which word may follow which inside one number: "twenty four", "two hundred and five".
_EN_NEXT = {
    None: {"small", "tens"},
    "small": {"hundred", "scale", "dozen"},
    "tens": {"small", "scale"},
    "hundred": {"small", "tens", "scale"},
    "scale": {"small", "tens"},
    "dozen": set(),
}


def en_numbers(words: list[tuple[str, int, int]]) -> list[tuple[int, int, float]]:
    """Split a run of number words into numbers: "two two" is two numbers, not four."""
    out: list[tuple[int, int, float]] = []
    total = current = 0.0
    start = -1
    end = 0
    last: str | None = None
    for word, w_start, w_end in words:
        if word == "and":
            continue
        kind = _en_kind(word)
        if kind not in _EN_NEXT[last] or (last == "tens" and _EN_VALUES.get(word, 0) >= 10):
            # "two two", "twenty twelve": the number before ends here
            if start >= 0:
                out.append((start, end, total + current))
            total = current = 0.0
            start, last = -1, None
            if kind not in _EN_NEXT[None]:
                continue  # a stray "hundred"
        if start < 0:
            start = w_start
        if kind in ("small", "tens"):
            current += _EN_VALUES[word]
        elif kind == "hundred":
            current = (current or 1.0) * 100.0
        elif kind == "dozen":
            current = (current or 1.0) * 12.0
        else:
            total += (current or 1.0) * _EN_SCALES[word]
            current = 0.0
        last, end = kind, w_end
    if start >= 0:
        out.append((start, end, total + current))
    return out


def parse_en_number(text: str) -> float | None:
    """ "twenty-four" -> 24, "two hundred and fifty" -> 250; None unless it is one number."""
    words = [(m.group(), m.start(), m.end()) for m in re.finditer(r"[a-z]+", text.lower())]
    if not words or any(
        w not in _EN_VALUES and w not in _EN_SCALES and w != "and" for w, *_ in words
    ):
        return None
    found = en_numbers(words)
    return found[0][2] if len(found) == 1 else None
