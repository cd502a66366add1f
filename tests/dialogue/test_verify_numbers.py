"""Reading numbers, units and currencies in Chinese and English."""

from __future__ import annotations

import pytest

from dialogue.verify import find_quantities, parse_en_number, parse_zh_numeral


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("三十", 30),
        ("十五", 15),
        ("一百零五", 105),
        ("一百五", 150),
        ("两千五", 2500),
        ("三万五", 35000),
        ("一千零五十", 1050),
        ("二〇二六", 2026),
        ("一点五", 1.5),
        ("一亿三千万", 130_000_000),
        ("十", 10),
        ("两", 2),
    ],
)
def test_chinese_numerals(text: str, value: float) -> None:
    assert parse_zh_numeral(text) == value


@pytest.mark.parametrize(
    ("text", "value"),
    [("three", 3), ("twenty-four", 24), ("two hundred and fifty", 250), ("one thousand", 1000)],
)
def test_english_number_words(text: str, value: float) -> None:
    assert parse_en_number(text) == value


def _read(text: str) -> list[tuple[float, str, str, tuple[str, ...], str]]:
    return [
        (q.value, q.unit, q.dimension, tuple(sorted(q.currencies)), text[q.start : q.end])
        for q in find_quantities(text)
    ]


CNY = ("CNY",)
YEN_SIGN = ("CNY", "JPY")
DOLLAR = ("AUD", "CAD", "HKD", "NZD", "SGD", "TWD", "USD")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("¥299", [(299, "", "money", YEN_SIGN, "¥299")]),
        ("￥299", [(299, "", "money", YEN_SIGN, "￥299")]),
        ("299元", [(299, "", "money", CNY, "299元")]),
        ("30块钱", [(30, "", "money", CNY, "30块钱")]),
        ("price is 299 yuan", [(299, "", "money", CNY, "299 yuan")]),
        ("RMB299", [(299, "", "money", CNY, "RMB299")]),
        ("$39.99", [(39.99, "", "money", DOLLAR, "$39.99")]),
        ("USD 39.99", [(39.99, "", "money", ("USD",), "USD 39.99")]),
        ("1,299 dollars", [(1299, "", "money", DOLLAR, "1,299 dollars")]),
        ("九十九元", [(99, "", "money", CNY, "九十九元")]),
        ("1.5万元", [(15000, "", "money", CNY, "1.5万元")]),
        ("10000mAh", [(10000, "mah", "charge", (), "10000mAh")]),
        ("1.5万毫安", [(15000, "mah", "charge", (), "1.5万毫安")]),
        ("1.5 kg", [(1.5, "kg", "mass", (), "1.5 kg")]),
        ("180 g", [(180, "g", "mass", (), "180 g")]),
        ("350克", [(350, "g", "mass", (), "350克")]),
        ("20W", [(20, "w", "power", (), "20W")]),
        ("500ml", [(500, "ml", "volume", (), "500ml")]),
        ("500毫升", [(500, "ml", "volume", (), "500毫升")]),
        ("10小时", [(10, "h", "time", (), "10小时")]),
        ("30-day returns", [(30, "d", "time", (), "30-day")]),
        ("30天", [(30, "d", "time", (), "30天")]),
        ("12个月", [(12, "mo", "calendar", (), "12个月")]),
        ("两年", [(2, "yr", "calendar", (), "两年")]),
        ("半年", [(0.5, "yr", "calendar", (), "半年")]),
        ("6.1寸", [(6.1, "in", "length", (), "6.1寸")]),
        ('12"', [(12, "in", "length", (), '12"')]),
        ("256GB", [(256, "gb", "data", (), "256GB")]),
        ("30%", [(30, "pct", "percent", (), "30%")]),
        ("百分之三十", [(30, "pct", "percent", (), "百分之三十")]),
        ("三种颜色", [(3, "", "", (), "三")]),
        ("three motors", [(3, "", "", (), "three")]),
        ("2-4 hrs", [(2, "h", "time", (), "2"), (4, "h", "time", (), "4 hrs")]),
        ("12 x 8 inches", [(12, "in", "length", (), "12"), (8, "in", "length", (), "8 inches")]),
        ("¥100-200", [(100, "", "money", YEN_SIGN, "¥100"), (200, "", "money", YEN_SIGN, "200")]),
    ],
)
def test_quantities_with_units_and_currencies(text: str, expected: list[tuple]) -> None:
    assert _read(text) == [(float(v), u, d, c, s) for v, u, d, c, s in expected]


@pytest.mark.parametrize(
    "text",
    [
        "三星手机",
        "这是一款好产品",
        "十分好用",
        "万一坏了",
        "the red one",
        "5G network",
        "4K TV",
        "B00545ATZW",
        "一起用",
        "千万别买",
    ],
)
def test_words_that_only_look_like_numbers(text: str) -> None:
    assert find_quantities(text) == []


def test_a_decimal_is_one_number() -> None:
    assert [q.value for q in find_quantities("version 3.5 and 1,299")] == [3.5, 1299.0]
