"""Price limits in a turn: "under 300", "between 100 and 200", "300元以内", "一千块左右"."""

from __future__ import annotations

import re
from collections.abc import Callable

from dialogue.understand.numbers import AMOUNT, parse_amount
from dialogue.understand.types import Budget

# How far "around 300" reaches either side.
APPROX_TOLERANCE = 0.2

_PRE = r"(?:\$|us\$|usd|rmb|cny|¥|￥|€|£)?\s*"
_SUF = (
    r"\s*(?:dollars?|bucks|usd|rmb|cny|yuan|euros?|eur|pounds?"
    r"|元钱|元|块钱|块|刀|美元|美金|人民币)?"
)
_A = rf"{_PRE}(?P<a>{AMOUNT}){_SUF}"
_B = rf"{_PRE}(?P<b>{AMOUNT}){_SUF}"
_CURRENCY = r"(?:\$|us\$|usd|rmb|cny|¥|￥|€|£|dollars?|bucks|yuan|euros?|元|块|刀|美元|美金)"

# Each rule: a pattern, how its amounts make a Budget, and whether it needs a price
# word or currency nearby (ranges do: "size 40-42", "2024-0001" are not prices).
# Tried in order; the first rule that matches wins, so ranges and approximations
# come before the one-sided limits that would match inside them.
_Make = Callable[[float, float | None], Budget]


def _between(a: float, b: float | None) -> Budget:
    lo, hi = sorted((a, b if b is not None else a))
    return Budget(min_price=lo, max_price=hi)


def _around(a: float, _b: float | None) -> Budget:
    return Budget(a * (1 - APPROX_TOLERANCE), a * (1 + APPROX_TOLERANCE), approximate=True)


def _at_most(a: float, _b: float | None) -> Budget:
    return Budget(max_price=a)


def _at_least(a: float, _b: float | None) -> Budget:
    return Budget(min_price=a)


_EN = r"(?<![a-z])"  # English cue words start at a word boundary
_RULE_SPECS: tuple[tuple[str, _Make, bool], ...] = (
    # ranges
    (rf"{_EN}between\s+{_A}\s+(?:and|to|-)\s+{_B}", _between, False),
    (rf"{_EN}from\s+{_A}\s+to\s+{_B}", _between, True),
    (rf"{_A}\s*(?:-|–|~|to|到|至)\s*{_B}(?:之间)?", _between, True),
    (rf"{_A}\s*(?:和|与)\s*{_B}\s*之间", _between, False),
    # approximations
    (
        rf"{_EN}(?:around|about|approximately|approx\.?|roughly|circa|close to)\s*{_A}",
        _around,
        False,
    ),
    (rf"~\s*{_A}", _around, False),
    (rf"{_A}\s*(?:ish|or so|give or take)", _around, False),
    (rf"{_A}\s*(?:左右|上下|出头)", _around, False),
    (rf"(?:大概|大约|差不多|约)\s*{_A}", _around, True),
    # upper limits
    (
        rf"{_EN}(?:under|below|less than|no more than|not more than|not over|cheaper than|"
        rf"lower than|max(?:imum)?|at most|up to|within|budget(?:\s+is|\s+of)?(?:\s+only)?)"
        rf"\s*{_A}",
        _at_most,
        False,
    ),
    (rf"(?:<=?|≤)\s*{_A}", _at_most, False),
    (
        rf"{_A}\s*(?:or less|or under|or below|max|and under|and below|tops|at most)",
        _at_most,
        False,
    ),
    (rf"{_A}\s*(?:以内|以下|之内|之下)", _at_most, False),
    (
        rf"(?:不超过|不高于|不到|低于|少于|小于|最多|最高|顶多|预算是?|预算在|便宜于)\s*{_A}",
        _at_most,
        False,
    ),
    # lower limits
    (
        rf"{_EN}(?:over|above|more than|at least|minimum|min|higher than|starting at|"
        rf"starting from)\s*{_A}",
        _at_least,
        False,
    ),
    (rf"(?:>=?|≥)\s*{_A}", _at_least, False),
    (rf"{_A}\s*(?:or more|and up|and above|plus|\+)", _at_least, False),
    (rf"{_A}\s*(?:以上|起|往上)", _at_least, False),
    (rf"(?:超过|高于|至少|最少|大于|不低于|不少于)\s*{_A}", _at_least, False),
)
_RULES = tuple((re.compile(p, re.IGNORECASE), make, strict) for p, make, strict in _RULE_SPECS)

_PRICE_WORD = re.compile(
    r"price|priced|budget|cost|spend|cheap|expensive|afford|预算|价格|价位|价钱|钱|便宜|贵",
    re.IGNORECASE,
)
# A unit right after the number means it is not a price: "under 30 minutes", "3天以内".
_NOT_PRICE_UNIT = re.compile(
    r"\s*(?:%|percent|years?|yrs?|months?|weeks?|days?|hours?|hrs?|minutes?|mins?|seconds?|"
    r"kg|g\b|grams?|lbs?|pounds? weight|oz|ml|l\b|liters?|litres?|cm|mm|m\b|meters?|inch(?:es)?|"
    r"in\b|\"|ft|feet|mah|gb|tb|mb|w\b|watts?|v\b|hz|pcs|pieces?|items?|units?|people|"
    r"persons?|stars?|reviews?|pages?|calories|岁|年|个月|月|周|天|小时|分钟|秒|斤|公斤|克|千克|"
    r"毫升|升|厘米|毫米|米|寸|英寸|瓦|伏|件|个|只|张|页|人|星|条)",
    re.IGNORECASE,
)


def _is_price(match: re.Match[str], strict: bool) -> bool:
    amount_text = match.group(0)
    if re.search(_CURRENCY, amount_text, re.IGNORECASE):
        return True
    if _NOT_PRICE_UNIT.match(match.string, match.end()):
        return False
    if not strict:
        return True
    window = match.string[max(0, match.start() - 24) : match.end() + 12]
    return bool(_PRICE_WORD.search(window))


# A bare amount with a currency ("a $300 phone", "300块的耳机") is taken as a target price.
_BARE = re.compile(
    rf"(?:(?:\$|us\$|¥|￥|€|£)\s*(?P<a>{AMOUNT})"
    rf"|(?P<c>{AMOUNT})\s*(?:dollars?|bucks|usd|rmb|yuan|euros?|元|块|刀|美元|美金))",
    re.IGNORECASE,
)


def _has_price_cue(match: re.Match[str]) -> bool:
    """A plain number after "under"/"from" is a price only when a currency or budget word
    is near, so that "under 2 years old" or "from 2020" are not budgets."""
    text = match.string
    window = text[max(0, match.start() - 20) : match.end() + 12]
    if re.search(_CURRENCY, match.group(0), re.IGNORECASE):
        return True
    if re.search(r"\d{4,}|[千万kK]", match.group("a")):
        return True
    return bool(
        re.search(
            r"price|budget|cost|spend|cheap|expensive|afford|预算|价格|价位|价钱|钱|便宜|贵|元|块",
            window,
            re.IGNORECASE,
        )
    )


def extract_budget(text: str) -> Budget | None:
    """The first price limit the text states, or None."""
    for pattern, make, strict in _RULES:
        for match in pattern.finditer(text):
            a = parse_amount(match.group("a"))
            if a is None or a <= 0 or not _is_price(match, strict):
                continue
            b_text = match.groupdict().get("b")
            b = parse_amount(b_text) if b_text else None
            # a tiny bare number ("at least 2") is a count, not a price
            if a < 10 and not re.search(_CURRENCY, match.group(0), re.IGNORECASE):
                continue
            return make(a, b)
    bare = _BARE.search(text)
    if bare:
        value = parse_amount(bare.group("a") or bare.group("c"))
        if value:
            return _around(value, None)
    return None
