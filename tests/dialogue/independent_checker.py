"""A second opinion on sent sentences, written apart from `dialogue.verify` (imports none of it).

Rule: every number in a sent sentence must appear, unit-normalised, among the
numbers of the facts the sentence cites; every token mixing letters and digits
(a model or SKU part such as "FRS20" or "20K") must appear in them verbatim.
It is deliberately simple and a little loose (it does not know what a number
counts), so that it can be trusted as an independent floor, not as a second
verifier. Allowances: "one" and a lone "一" before a measure word are read as
the article "a", not as numbers.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

# unit forms, then the factor to the base unit of their dimension
_UNIT_TABLE = """
mg 0.001 | g gram grams 克 1 | kg kilograms 千克 公斤 1000 | 斤 500 | lb lbs pounds 453.592
oz 28.3495 | mm millimeters 毫米 1 | cm centimeters 厘米 10 | m meters 米 1000
in inch inches " 英寸 25.4 | ft feet foot ' 304.8 | ml 毫升 1 | l liters 升 1000
gal gallons 3785.41 | mah 毫安 毫安时 1 | w 瓦 1 | v volt volts 1 | gb 1 | tb 1000 | % 1
h hour hours 小时 1 | min minute minutes 分钟 0.0166667 | second seconds 秒 0.000277778
day days 天 24 | week weeks 168 | month months 个月 1 | year years 年 12
"""
_UNITS: dict[str, float] = {}
for _group in re.split(r"[|\n]", _UNIT_TABLE):
    if not _group.strip():
        continue
    *_forms, _factor = _group.split()
    for _form in _forms:
        _UNITS[_form] = float(_factor)
_UNIT_ALT = "|".join(sorted((re.escape(u) for u in _UNITS), key=len, reverse=True))

_ZH_DIGIT = dict(zip("零一二两三四五六七八九", [0, 1, 2, 2, 3, 4, 5, 6, 7, 8, 9], strict=True))
_ZH_MULT = {"十": 10, "百": 100, "千": 1000}
_ONES_WORDS = "two three four five six seven eight nine"
_ONES = dict(zip(_ONES_WORDS.split(), range(2, 10), strict=True))
_TEENS_WORDS = "ten eleven twelve thirteen fourteen fifteen sixteen seventeen eighteen nineteen"
_TEENS = dict(zip(_TEENS_WORDS.split(), range(10, 20), strict=True))
_TENS_WORDS = "twenty thirty forty fifty sixty seventy eighty ninety"
_TENS = dict(zip(_TENS_WORDS.split(), range(20, 100, 10), strict=True))

# a token mixing letters and digits: "frs20", "ipx7", the "20k" of "KF-PB-20K"
_CODE = re.compile(r"(?<![a-z0-9.])(?=[a-z0-9]*[a-z])(?=[a-z0-9]*\d)[a-z0-9]+(?![a-z0-9])")
_DIGITS = re.compile(rf"(\d+(?:,\d{{3}})*(?:\.\d+)?)\s?(万|千)?\s?(?:({_UNIT_ALT})(?![a-z]))?")
_ZH_NUM = re.compile(r"[零一二两三四五六七八九十百千万]+")
# scraped attribute text names the unit apart from the number: "{ unit:liters, value:770. }"
_UNIT_VALUE = re.compile(r"unit:\s*([a-z]+),\s*value:\s*(\d+(?:\.\d+)?)")
_SCALED = re.compile(r"(\d+)\s+(hundred|thousand)(?:\s+(?:and\s+)?(\d+))?")
_SCALE = {"hundred": 100, "thousand": 1000}
# "ninety-nine", "twenty one", "seven"
_EN_NUM = re.compile(
    rf"(?<![a-z])(?:(?P<tens>{'|'.join(_TENS)})(?:[- ](?P<unit>one|{'|'.join(_ONES)}))?"
    rf"|(?P<small>{'|'.join([*_TEENS, *_ONES])}))(?![a-z])"
)


@dataclass(frozen=True)
class Num:
    raw: str
    value: float
    base: float | None  # the value in its dimension's base unit, when it has a unit


def _zh_value(text: str) -> float | None:
    """Chinese numerals: 三十 = 30, 十五 = 15, 一万五千 = 15000, 七 = 7."""
    total, current, section = 0, 0, 0
    for ch in text:
        if ch in _ZH_DIGIT:
            current = _ZH_DIGIT[ch]
        elif ch in _ZH_MULT:
            section += (current or 1) * _ZH_MULT[ch]
            current = 0
        elif ch == "万":
            total += (section + current) * 10000
            section, current = 0, 0
    value = total + section + current
    return float(value) if value or "零" in text else None


def _num(raw: str, value: float, unit: str | None) -> Num:
    factor = _UNITS.get(unit.lower()) if unit else None
    return Num(raw, value, value * factor if factor else None)


def numbers(text: str) -> tuple[list[Num], list[str]]:
    """The numbers of a text, and its codes (tokens mixing letters and digits)."""
    low = text.lower().replace("\\", "")
    codes: list[str] = []
    for m in _CODE.finditer(low):
        token = m.group()
        if re.fullmatch(r"\d+[a-z]+", token) or re.fullmatch(r"[\dx]+", token):
            continue  # "10000mah", "12v": a number and its unit; "10x10": two numbers
        codes.append(token)
        low = low[: m.start()] + " " * len(token) + low[m.end() :]
    found: list[Num] = []
    for m in _DIGITS.finditer(low):
        value = float(m.group(1).replace(",", ""))
        if m.group(2):
            value *= 10000 if m.group(2) == "万" else 1000
        found.append(_num(m.group(), value, m.group(3)))
    no_digits = _DIGITS.sub(lambda m: " " * len(m.group()), low)  # "2万" is read: not 万 again
    for m in _ZH_NUM.finditer(no_digits):
        after = low[m.end() : m.end() + 3]
        unit = next((u for u in _UNITS if not u.isascii() and after.startswith(u)), None)
        counted = bool(after) and after[0] in "件个元块种次"
        if len(m.group()) < 2 and unit is None and not counted:
            continue  # 三星, 一起: a character of a word, not a number
        if m.group() == "一" and unit is None and after[:1] != "元":
            continue  # 一件, 一个: the article "a", not a count
        zh_value = _zh_value(m.group())
        if zh_value is not None:
            found.append(_num(m.group(), zh_value, unit))
    for m in _UNIT_VALUE.finditer(low):
        unit = {"liters": "l", "pounds": "lb", "kilograms": "kg", "grams": "g"}.get(m.group(1))
        found.append(_num(m.group(), float(m.group(2)), unit or m.group(1)))
    found.extend(_english_numbers(low))
    return found, codes


def _english_numbers(low: str) -> list[Num]:
    """Number words: each word group becomes digits, then "2 hundred and 15" becomes 215."""
    digits = _EN_NUM.sub(lambda m: f" {_en_value(m)} ", low)
    scaled = list(_SCALED.finditer(digits))
    taken = [(m.start(), m.end()) for m in scaled]
    out = [
        Num(m.group(), float(int(m.group(1)) * _SCALE[m.group(2)] + int(m.group(3) or 0)), None)
        for m in scaled
    ]
    for m in re.finditer(r"(?<![\d.])\d+(?![\d.])", digits):
        if not any(s <= m.start() < e for s, e in taken):
            out.append(Num(m.group(), float(m.group()), None))
    # digits written as digits were read already: keep only what number words added
    written = [float(d) for d in re.findall(r"(?<![\d.])\d+(?![\d.])", low)]
    for value in written:
        match = next((n for n in out if n.value == value), None)
        if match is not None:
            out.remove(match)
    return out


def _en_value(m: re.Match[str]) -> int:
    if m.group("tens"):
        unit_word = m.group("unit") or ""
        return _TENS[m.group("tens")] + (1 if unit_word == "one" else _ONES.get(unit_word, 0))
    return {**_TEENS, **_ONES}[m.group("small")]


def unsupported_numbers(sentence: str, cited_texts: Iterable[str]) -> list[str]:
    """The numbers and codes of `sentence` that the cited facts do not contain."""
    facts = " \n ".join(cited_texts)
    fact_nums, _ = numbers(facts)
    fact_values = {n.value for n in fact_nums} | {n.base for n in fact_nums if n.base is not None}
    facts_low = facts.lower()
    nums, codes = numbers(sentence)
    missing = [c for c in codes if c not in facts_low]
    for n in nums:
        exact = any(abs(n.value - f) < 1e-6 for f in fact_values)
        # a unit conversion (1.5 kg = 1500 g, 12 in = 304.8 mm) may round a little
        converted = n.base is not None and any(_close(n.base, f) for f in fact_values)
        if not (exact or converted):
            missing.append(n.raw)
    return missing


def _close(a: float, b: float) -> bool:
    return abs(a - b) <= max(1e-6, 0.005 * max(abs(a), abs(b)))
