"""Slot extraction tables in English and Chinese: budget, order id, email, category, brand,
attributes."""

from __future__ import annotations

import pytest

from dialogue.understand.budget import extract_budget
from dialogue.understand.numbers import parse_amount
from dialogue.understand.slots import extract_order_id, extract_size, extract_slots
from dialogue.understand.types import Budget, Vocabulary

VOCAB = Vocabulary.from_lists(
    categories=[
        "Electronics / Audio / Headphones",
        "Electronics / Audio / Speakers",
        "Electronics / Phones",
        "Home / Kitchen / Blenders",
        "Beauty / Skincare",
        "Apparel / Dresses",
        "Appliances / Parts",
        "Auto / Parts",
    ],
    brands=["Sony", "Bose", "小米", "Xiaomi", "L'Oréal", "Apple"],
    attribute_values={"color": ["black", "white", "红色"], "material": ["stainless steel", "纯棉"]},
)


@pytest.mark.parametrize(
    ("token", "value"),
    [
        ("300", 300.0), ("1,299", 1299.0), ("2.5k", 2500.0), ("5w", 50000.0), ("1.5万", 15000.0),
        ("1万5", 15000.0), ("3千5", 3500.0), ("一千", 1000.0), ("一千五", 1500.0),
        ("两万三", 23000.0), ("三千五百", 3500.0), ("一百零五", 105.0), ("十五", 15.0),
        ("两百", 200.0), ("abc", None),
    ],
)  # fmt: skip
def test_amounts_as_shoppers_write_them(token: str, value: float | None) -> None:
    assert parse_amount(token) == value


@pytest.mark.parametrize(
    ("text", "budget"),
    [
        ("headphones under 300", Budget(max_price=300)),
        ("anything below $80?", Budget(max_price=80)),
        ("no more than 1,200 dollars", Budget(max_price=1200)),
        ("max 50 bucks", Budget(max_price=50)),
        ("my budget is 2k", Budget(max_price=2000)),
        ("between 100 and 200", Budget(min_price=100, max_price=200)),
        ("$150-$250 range", Budget(min_price=150, max_price=250)),
        ("from 40 to 60 dollars", Budget(min_price=40, max_price=60)),
        ("over 500 dollars is fine", Budget(min_price=500)),
        ("at least 1000", Budget(min_price=1000)),
        ("around 300", Budget(240, 360, approximate=True)),
        ("a $50 gift", Budget(40, 60, approximate=True)),
        ("300元以内的耳机", Budget(max_price=300)),
        ("两千以下", Budget(max_price=2000)),
        ("不超过1k", Budget(max_price=1000)),
        ("预算两千", Budget(max_price=2000)),
        ("1.5万以内的电脑", Budget(max_price=15000)),
        ("500以上", Budget(min_price=500)),
        ("至少三百块", Budget(min_price=300)),
        ("一千块左右", Budget(800, 1200, approximate=True)),
        ("预算300左右", Budget(240, 360, approximate=True)),
        ("100到200元之间", Budget(min_price=100, max_price=200)),
        ("在100和200之间", Budget(min_price=100, max_price=200)),
        ("300块的耳机", Budget(240, 360, approximate=True)),
    ],
)
def test_budget(text: str, budget: Budget) -> None:
    got = extract_budget(text)
    assert got is not None
    assert got.approximate == budget.approximate
    assert got.min_price == pytest.approx(budget.min_price)
    assert got.max_price == pytest.approx(budget.max_price)


@pytest.mark.parametrize(
    "text",
    [
        "under 30 minutes",
        "3天以内能到吗",
        "within 2 days",
        "at least 2 of them",
        "order 2024-0001",
        "size 40-42",
        "iPhone 15",
        "cancel purchase 370795561790",
        "thunder 300",
    ],
)
def test_numbers_that_are_not_budgets(text: str) -> None:
    assert extract_budget(text) is None


def test_budget_contains() -> None:
    assert Budget(max_price=300).contains(299.0)
    assert not Budget(max_price=300).contains(301.0)
    assert not Budget(min_price=100).contains(99.0)


@pytest.mark.parametrize(
    ("text", "order_id"),
    [
        ("where is my order A-1001", "A-1001"),
        ("cancel purchase 370795561790", "370795561790"),
        ("order #B-2044 hasn't arrived", "B-2044"),
        ("order number: 00123842", "00123842"),
        ("ORD-2024-0042 status?", "ORD-2024-0042"),
        ("订单号：20240315001 到哪了", "20240315001"),
        ("订单A-1001到哪里了", "A-1001"),
        ("单号是 1234567", "1234567"),
        ("my parcel 113542617735902 is late", "113542617735902"),
        ("my email is li@example.com, order A-1002", "A-1002"),
        ("where is my order", None),
        ("call me on 13812345678", None),
        ("我的手机号13812345678", None),
        ("invoice #85632", None),
        ("iPhone 15 price", None),
    ],
)
def test_order_id(text: str, order_id: str | None) -> None:
    assert extract_order_id(text) == order_id


@pytest.mark.parametrize(
    ("text", "email"),
    [
        ("my email is li@example.com", "li@example.com"),
        ("邮箱：wang.fang+shop@mail.example.cn 订单A-1001", "wang.fang+shop@mail.example.cn"),
        ("no email here @ all", None),
    ],
)
def test_email(text: str, email: str | None) -> None:
    assert extract_slots(text).email == email


@pytest.mark.parametrize(
    ("text", "category", "brand"),
    [
        ("sony headphones under $200", "Electronics / Audio / Headphones", "Sony"),
        ("推荐一款小米耳机", "Electronics / Audio / Headphones", "小米"),
        ("Speakers from Bose", "Electronics / Audio / Speakers", "Bose"),
        ("any good audio gear?", "Electronics / Audio", None),
        ("a new phone from Apple", "Electronics / Phones", "Apple"),
        ("想买个手机", "Electronics / Phones", None),
        ("a blender please", "Home / Kitchen / Blenders", None),
        ("护肤品推荐", "Beauty / Skincare", None),
        ("spare parts", None, None),  # "Parts" names two unrelated branches
        ("L'ORÉAL serum", None, "L'Oréal"),
        ("sonya is my name", None, None),
    ],
)
def test_category_and_brand(text: str, category: str | None, brand: str | None) -> None:
    slots = extract_slots(text, VOCAB)
    assert slots.category == category
    assert slots.brand == brand


@pytest.mark.parametrize(
    ("text", "attributes"),
    [
        ("a red dress in size M", (("color", "红色"), ("size", "M"))),
        ("有黑色的吗", (("color", "black"),)),
        ("白色 XL", (("color", "white"), ("size", "XL"))),
        ("a navy jacket", (("color", "navy"),)),
        ("42码的鞋", (("size", "42"),)),
        ("大号的T恤", (("size", "L"),)),
        ("stainless steel blender", (("material", "stainless steel"),)),
        ("纯棉的吗", (("material", "纯棉"),)),
        ("I'm looking for a lamp", ()),
    ],
)
def test_attributes(text: str, attributes: tuple[tuple[str, str], ...]) -> None:
    assert extract_slots(text, VOCAB).attributes == attributes


def test_colour_attribute_takes_the_catalog_name() -> None:
    vocab = Vocabulary.from_lists(attribute_values={"颜色": ["黑色", "白色"], "尺码": ["S", "M"]})
    slots = extract_slots("black one in size S", vocab)
    assert slots.attributes == (("颜色", "黑色"), ("尺码", "S"))
    assert slots.attribute("颜色") == "黑色"
    assert slots.attribute("weight") is None


@pytest.mark.parametrize(
    ("text", "size"),
    [
        ("size 9.5", "9.5"),
        ("尺码：L", "L"),
        ("M号", "M"),
        ("I'm fine", None),
        ("XXL please", "XXL"),
    ],
)
def test_size(text: str, size: str | None) -> None:
    assert extract_size(text) == size


def test_all_slots_at_once() -> None:
    slots = extract_slots("推荐一款300元以内的小米耳机，红色的，发到 li@example.com", VOCAB)
    assert slots.budget == Budget(max_price=300)
    assert slots.category == "Electronics / Audio / Headphones"
    assert slots.brand == "小米"
    assert slots.attributes == (("color", "红色"),)
    assert slots.email == "li@example.com"
    assert slots.order_id is None
    assert not slots.is_empty
    assert extract_slots("hello").is_empty


HEADPHONES = "Electronics / Audio / Headphones"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("推薦一款三百塊以內的小米耳機，紅色的", (HEADPHONES, "红色", 300.0)),
        ("有黑色42碼的嗎", (None, "black", None)),
    ],
)
def test_traditional_chinese(
    text: str, expected: tuple[str | None, str | None, float | None]
) -> None:
    slots = extract_slots(text, VOCAB)
    budget = slots.budget.max_price if slots.budget else None
    assert (slots.category, slots.attribute("color"), budget) == expected
    assert extract_order_id("訂單號：A-1001 到哪了") == "A-1001"
    assert extract_size("42碼") == "42"
