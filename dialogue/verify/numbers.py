"""Numbers in Chinese and English text: digits, 三十 and 1.5万, "twenty-four", with their units.

`find_quantities` is the one scanner used for both the model's sentences and
the facts' text, so a number is read the same way on both sides of a check.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, replace

from dialogue.verify.numerals import (
    EN_NUMBER_WORD,
    ZH_NUMERAL_CHARS,
    en_numbers,
    parse_zh_numeral,
)
from dialogue.verify.text import CJK, EN_STOPWORDS, fold, narrow, stem
from dialogue.verify.units import (
    CASED_UNIT_RE,
    CURRENCY_PREFIX_RE,
    CURRENCY_SIGNS,
    CURRENCY_SUFFIX_RE,
    CURRENCY_WORDS,
    UNIT_RE,
    UNITS,
    unit_key,
)


@dataclass(frozen=True)
class Quantity:
    """One number as written, with its unit (canonical key) or currency when it has one."""

    value: float
    start: int  # span of the whole mention: currency sign, number and unit
    end: int
    num_start: int  # span of the number alone
    num_end: int
    unit: str = ""  # key into units.UNITS, "" when none
    dimension: str = ""  # "mass", "time", ... or "money"; "" for a bare number
    currencies: frozenset[str] = frozenset()
    # the words after the mention, stemmed: "3 motors" -> ("motor",), "三种颜色" -> ("种", "颜色")
    following: tuple[str, ...] = ()

    @property
    def base(self) -> float:
        """The value in its dimension's base unit (grams, millimetres, hours ...)."""
        return self.value * UNITS[self.unit].factor if self.unit else self.value


# Not inside a code ("b00545"), but "10x10" holds two numbers and "RMB299" one.
_ARABIC_RE = re.compile(
    r"(?:(?<![a-z0-9_])|(?<=[\d\"'″]x)|(?<=rmb|cny|usd|eur|gbp|jpy))"
    r"(?:\d{1,3}(?:,\d{3})+(?!\d)|\d+)(?:\.\d+)?"
)
# Scraped attribute text: "{ unit:inches, value:12.99 }",
# "unit:kilograms, normalized_value:{...}, value:1.97"
_UNIT_VALUE = r"unit\s*[:=]\s*\"?(?P<unit>[a-z][a-z _]*?)\"?\s*,\s*"
_VALUE = r"value\s*[:=]\s*\"?(?P<value>\d+(?:\.\d*)?)"
_STRUCTURED_RES = (
    re.compile(_UNIT_VALUE + _VALUE),
    re.compile(_UNIT_VALUE + r"normalized_value\s*[:=]\s*\{[^{}]*\}\s*,\s*" + _VALUE),
)
_ZH_RE = re.compile(
    f"百分之[{ZH_NUMERAL_CHARS}]+(?:点[{ZH_NUMERAL_CHARS}]+)?|"
    f"[{ZH_NUMERAL_CHARS}]+(?:点[{ZH_NUMERAL_CHARS}]+)?|半(?=个?[小时月年天斤])"
)
# ASCII-letter boundaries, not \b: "ninety-nine元" ends at 元, which \b counts as a letter.
_EN_RE = re.compile(
    rf"(?<![a-z]){EN_NUMBER_WORD}(?:(?:\s+|-)(?:and\s+)?{EN_NUMBER_WORD})*(?![a-z])"
)
_MULTIPLIER_RE = re.compile(r"\s?(万|千|亿)(?![克米瓦伏兆])")
# not "/": "3 1/2 years" is a fraction, not a range
_RANGE_RE = re.compile(r"\s*(?:-|–|—|~|～|to|到|至|x|×|\*|by|and|or)\s*")
_AFTER_RE = re.compile(f"[a-z][a-z'-]*|[{CJK}]")

# A Chinese numeral alone counts only before one of these (三星 and 四季 are names, not numbers).
ZH_CLASSIFIERS = frozenset(
    "个件台只支款种色次倍折人位层档瓶盒包片粒条张本双对套份枚颗节根把部辆袋罐杯项类码号岁"
)
# 一 before these is an article ("一款好产品"), unless a stock or price cue precedes it.
_ARTICLE_CLASSIFIERS = frozenset("个款种次位份件台只把套双条张本部下些点起样般直定切共体键流旦致律")
# Set phrases whose numerals count nothing ("五颜六色" is colourful, not six colours).
# Only where no other numeral touches them: 一万一千 and 一千万 are numbers.
_ZH_IDIOMS_RE = re.compile(
    f"(?<![{ZH_NUMERAL_CHARS}])(?:"
    "万一|千万|一一|三三两两|乱七八糟|一模一样|独一无二|万无一失|一心一意|三心二意|一五一十|"
    "十全十美|千方百计|百里挑一|一举两得|三番五次|七上八下|四面八方|五颜六色|一干二净|一分钱一分货|"
    "十足|万能|百搭|百分百|一流|一体|一键|一致|一直|一定|一般|一起|一样|一些|一下|一切|统一|唯一"
    f")(?![{ZH_NUMERAL_CHARS}])"
)
_ZH_CUE_RE = re.compile(
    r"(售价|价格|价钱|定价|只要|仅需|仅售|只需|现价|原价|库存|剩|运费|满)\s*[:：]?\s*$"
)
_CJK_RE = re.compile(f"[{CJK}]")


def find_quantities(text: str) -> list[Quantity]:
    """Every number in `text` with its unit or currency, left to right, not overlapping."""
    folded = fold(text)
    found: list[Quantity] = []
    taken: list[tuple[int, int]] = []
    for start, end, value, kind in _numbers(folded):
        if any(s < end and start < e for s, e in taken):
            continue
        q = _attach(text, folded, start, end, value, kind)
        if q is not None:
            found.append(q)
            taken.append((q.start, q.end))
    found.sort(key=lambda q: q.start)
    return _share_units(folded, found)


def _numbers(folded: str) -> list[tuple[int, int, float, str]]:
    out: list[tuple[int, int, float, str]] = []
    for m in _ARABIC_RE.finditer(folded):
        value = float(m.group().replace(",", ""))
        end = m.end()
        mult = _MULTIPLIER_RE.match(folded, end)
        if mult:
            value *= {"万": 1e4, "千": 1e3, "亿": 1e8}[mult.group(1)]
            end = mult.end()
        out.append((m.start(), end, value, "arabic"))
    masked = _ZH_IDIOMS_RE.sub(lambda m: " " * len(m.group()), folded)
    for m in _ZH_RE.finditer(masked):
        raw = m.group()
        if raw.startswith("百分之"):
            zh_value = parse_zh_numeral(raw[3:])
            kind = "percent"
        else:
            zh_value = 0.5 if raw == "半" else parse_zh_numeral(raw)
            kind = "zh"
        if zh_value is not None:
            out.append((m.start(), m.end(), zh_value, kind))
    for m in _EN_RE.finditer(folded):
        words = [
            (w.group(), m.start() + w.start(), m.start() + w.end())
            for w in re.finditer(r"[a-z]+", m.group())
        ]
        for n_start, n_end, en_value in en_numbers(words):
            out.append((n_start, n_end, en_value, "en:" + folded[n_start:n_end]))
    out.sort(key=lambda t: (t[0], -t[1]))
    return out


def _attach(
    text: str, folded: str, start: int, end: int, value: float, kind: str
) -> Quantity | None:
    """Read the currency sign before and the unit after a number; reject numbers that are not."""
    mstart, mend, unit, dimension = start, end, "", ""
    currencies: frozenset[str] = frozenset()
    prefix = CURRENCY_PREFIX_RE.search(folded, max(0, start - 5), start)
    if kind == "percent":
        unit, dimension = "pct", "percent"
    elif prefix and not (
        prefix.group()[0].isalpha() and folded[prefix.start() - 1 : prefix.start()].isalpha()
    ):
        currencies = CURRENCY_SIGNS[prefix.group().strip()]
        dimension, mstart = "money", prefix.start()
    if not dimension:
        suffix = CURRENCY_SUFFIX_RE.match(folded, end)
        word = suffix.group().strip() if suffix else ""
        if suffix and _is_currency_word(folded, suffix.end(), word):
            currencies, dimension, mend = CURRENCY_WORDS[word], "money", suffix.end()
    if not dimension:
        found = _unit_at(narrow(text), folded, end)
        if found:
            unit, mend = found
            dimension = UNITS[unit].dimension
    if (
        kind == "arabic"
        and not dimension
        and re.match(r"[a-z]", folded[mend : mend + 1])
        and not re.match(r"x\s?\d", folded[mend : mend + 3])
    ):
        return None  # "5G", "4K", "3D": a code, read as a whole token elsewhere
    if kind == "arabic" and re.search(r"[a-z]-$", folded[max(0, start - 2) : start]):
        return None  # "A-1001", "width-16": a code, read as a whole token elsewhere
    if kind == "zh" and not dimension and not _zh_numeral_stands(folded, start, end):
        return None
    if kind.startswith("en:") and not dimension and kind[3:] == "one":
        return None  # "the red one": a pronoun, not a number
    following = _following(folded, mend)
    return Quantity(value, mstart, mend, start, end, unit, dimension, currencies, following)


def _is_currency_word(folded: str, after: int, word: str) -> bool:
    if word != "块":
        return True
    nxt = folded[after : after + 1]
    # 3块电池 counts batteries; 30块 / 30块钱 is money
    return not _CJK_RE.match(nxt) or nxt in "钱的了吧呢啊左一"


def _unit_at(narrowed: str, folded: str, pos: int) -> tuple[str, int] | None:
    m = UNIT_RE.match(folded, pos)
    if m:
        key = unit_key(m.group("ascii") or m.group("cjk"))
        if key:
            return key, m.end()
    cased = CASED_UNIT_RE.match(narrowed, pos)
    if cased:
        key = unit_key(cased.group("cased"))
        if key:
            return key, cased.end()
    return None


def _zh_numeral_stands(folded: str, start: int, end: int) -> bool:
    """Whether a Chinese numeral without unit is a number (三种颜色) or part of a word (三星)."""
    raw = folded[start:end]
    cue = _ZH_CUE_RE.search(folded, max(0, start - 6), start) is not None
    nxt = folded[end : end + 1]
    if nxt in ZH_CLASSIFIERS:
        return cue or not (raw == "一" and nxt in _ARTICLE_CLASSIFIERS)
    if cue:
        return True
    return len(raw) >= 2  # 三十, 二〇二六: a number even without a unit


def _following(folded: str, pos: int) -> tuple[str, ...]:
    words: list[str] = []
    for m in _AFTER_RE.finditer(folded, pos, min(len(folded), pos + 40)):
        token = m.group()
        if token.isascii():
            if token in EN_STOPWORDS:
                continue
            token = stem(token)
        words.append(token)
        if len(words) == 3:
            break
    return tuple(words)


def _share_units(folded: str, found: list[Quantity]) -> list[Quantity]:
    """ "2-4 hours", "¥100-200", "12 x 8 x 3 in": a range or product shares one unit."""
    out = list(found)
    joined = [
        _RANGE_RE.fullmatch(folded[a.end : b.start]) is not None for a, b in itertools.pairwise(out)
    ]
    for i in range(len(out) - 2, -1, -1):  # right to left: the unit comes last
        a, b = out[i], out[i + 1]
        if joined[i] and not a.dimension and b.dimension:
            out[i] = replace(a, unit=b.unit, dimension=b.dimension)
    for i in range(len(out) - 1):  # left to right: the currency sign comes first
        a, b = out[i], out[i + 1]
        if joined[i] and a.dimension == "money" and not b.dimension:
            out[i + 1] = replace(b, dimension="money", currencies=a.currencies)
    return out


def find_structured_quantities(text: str) -> list[Quantity]:
    """Numbers whose unit is named apart from them: "{ unit:inches, value:12.99 }"."""
    out: list[Quantity] = []
    folded = fold(text)
    for rx in _STRUCTURED_RES:
        for m in rx.finditer(folded):
            key = unit_key(m.group("unit").strip())
            if key is None:
                continue
            value = float(m.group("value").rstrip("."))
            out.append(
                Quantity(
                    value,
                    m.start(),
                    m.end(),
                    m.start("value"),
                    m.end("value"),
                    key,
                    UNITS[key].dimension,
                )
            )
    return out
