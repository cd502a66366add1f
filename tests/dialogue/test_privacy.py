"""PII masking: what is masked, what must stay, and properties over generated text."""

from __future__ import annotations

import json
import re
import unicodedata
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dialogue.privacy import MaskedText, luhn_valid, mask_pii

DEMO = Path(__file__).resolve().parents[2] / "catalog" / "demo"


def kinds(result: MaskedText) -> list[str]:
    return [span.kind for span in result.spans]


@pytest.mark.parametrize(
    ("text", "masked", "kind"),
    [
        ("mail li@example.com please", "mail l***@example.com please", "email"),
        ("邮箱chen.jing@example.com谢谢", "邮箱c***@example.com谢谢", "email"),
        ("电话13800138000", "电话*******8000", "phone"),
        ("电话１３８００１３８０００", "电话*******8000", "phone"),  # masks are written in ASCII
        ("call +86 138-0013-8000 now", "call +** ***-****-8000 now", "phone"),
        ("or 0086 138 0013 8000", "or **** *** **** 8000", "phone"),
        ("US: +1 (415) 555-2671", "US: +* (***) ***-2671", "phone"),
        ("US: 415.555.2671.", "US: ***.***.2671.", "phone"),
        ("UK +44 20 7946 0958", "UK +** ** **** 0958", "phone"),
        ("card 4111 1111 1111 1111 exp 12/27", "card **** **** **** 1111 exp 12/27", "card"),
        ("卡号6222021234567890128谢谢", "卡号**** **** **** 0128谢谢", "card"),
        ("amex 3782-822463-10005", "amex **** **** **** 0005", "card"),
        # the shopper's own stars do not hide a card ("*" is read as a digit only in masks)
        ("card *4111 1111 1111 1111", "card ***** **** **** 1111", "card"),
        ("card 4111 1111 1111 1111* ok", "card **** **** **** 1111* ok", "card"),
        ("2*3 4111 1111 1111 1111", "2*3 **** **** **** 1111", "card"),
        ("ship to 221B Baker Street, London", "ship to [address], London", "address"),
        ("at 1600 Pennsylvania Ave NW, Washington", "at [address], Washington", "address"),
        ("12 Oak St Apt 4B.", "[address].", "address"),
        ("寄到北京市朝阳区建国路88号SOHO现代城5号楼1201室", "寄到[地址]", "address"),
        ("地址是上海市浦东新区世纪大道100号2001室，谢谢", "地址是[地址]，谢谢", "address"),
        ("长宁区愚园路123弄4号", "[地址]", "address"),
        ("阳光小区3栋2单元501室", "[地址]", "address"),
    ],
)
def test_masks(text: str, masked: str, kind: str) -> None:
    result = mask_pii(text)
    assert result.text == masked
    assert kinds(result) == [kind]
    span = result.spans[0]
    assert result.text[span.start : span.end] != text[span.source_start : span.source_end]


@pytest.mark.parametrize(
    "text",
    [
        "order A-1001 and A-1002",
        "SKU EA-1001, HK-4002, B00545ATZW",
        "tracking SF1234567890123 / JDV708664623408 / SF123",
        "¥1,299.00 or $39.99, 899.0 CNY",
        "on 2026-11-02 at 10:30:00, eta 2026-11-05T10:00:00Z",
        "11月10号到货吗？地铁3号线，3件，x2",
        "I want 2 Blue Road bikes",
        "battery 40 h, 254 g, Bluetooth 5.3, 20261102000123",
        "我在路上，10号见",
        "1234567812345678",  # 16 digits but not Luhn-valid
    ],
)
def test_leaves_shop_data_alone(text: str) -> None:
    result = mask_pii(text)
    assert result.text == text
    assert result.spans == ()


def test_demo_order_ids_skus_and_tracking_numbers_are_never_masked() -> None:
    values: list[str] = []
    for line in (DEMO / "orders.jsonl").read_text(encoding="utf-8").splitlines():
        order = json.loads(line)
        values.append(order["order_id"])
        values.extend(item["sku"] for item in order["items"])
        if "tracking" in order:
            values.append(order["tracking"]["number"])
    for line in (DEMO / "products.jsonl").read_text(encoding="utf-8").splitlines():
        values.append(json.loads(line)["sku"])
    sentence = "订单 " + "，".join(values) + " please check"
    assert mask_pii(sentence).text == sentence


def test_several_kinds_in_one_message_keep_their_order() -> None:
    text = "I'm li@example.com, 13800138000, card 4111111111111111, 12 Oak St."
    result = mask_pii(text)
    assert kinds(result) == ["email", "phone", "card", "address"]
    assert (
        result.text == "I'm l***@example.com, *******8000, card **** **** **** 1111, [address]"
    )  # the abbreviation dot goes with it
    assert [result.text[s.start : s.end] for s in result.spans] == [
        "l***@example.com",
        "*******8000",
        "**** **** **** 1111",
        "[address]",
    ]


def test_luhn() -> None:
    assert luhn_valid("4111111111111111")
    assert luhn_valid("79927398713")
    assert not luhn_valid("4111111111111112")


# -- properties --------------------------------------------------------------------

PII_SAMPLES = [
    "li@example.com",
    "13800138000",
    "+86 138 0013 8000",
    "+1 (415) 555-2671",
    "4111 1111 1111 1111",
    "6222021234567890128",
    "221B Baker Street",
    "北京市朝阳区建国路88号",
    "阳光小区3栋2单元501室",
]
SHOP_SAMPLES = ["A-1001", "EA-1001", "SF1234567890123", "¥899.00", "2026-11-02", "10:30", "x2"]
pieces = st.one_of(
    st.sampled_from(PII_SAMPLES),
    st.sampled_from(SHOP_SAMPLES),
    st.text(alphabet="0123456789 -*+@.()#abcXYZ路号市区室栋你好，", max_size=12),
    st.from_regex(r"[3-6]\d{12,18}", fullmatch=True),
)
messages = st.lists(pieces, max_size=8).map(" ".join) | st.text(max_size=40)

# A standalone run: digit groups joined by one space or dash, no letter or digit glued on.
_RUN = re.compile(r"(?<![A-Za-z0-9])[0-9]+(?:[ -][0-9]+)*(?![A-Za-z0-9])")


def ascii_forms(text: str) -> str:
    """Full-width letters and any script's digits in their ASCII form, one char for one."""
    out = []
    for char in text:
        if unicodedata.category(char) == "Nd":
            out.append(str(unicodedata.digit(char)))
            continue
        folded = unicodedata.normalize("NFKC", char)
        out.append(folded if len(folded) == 1 else char)
    return "".join(out)


def luhn_runs(text: str) -> list[str]:
    """Every window of whole digit groups in a standalone run with 13-19 Luhn-valid digits."""
    found = []
    for run in _RUN.finditer(ascii_forms(text)):
        groups = re.split(r"[ -]", run.group(0))
        for i in range(len(groups)):
            for j in range(i + 1, len(groups) + 1):
                digits = "".join(groups[i:j])
                if 13 <= len(digits) <= 19 and luhn_valid(digits):
                    found.append(digits)
    return found


@settings(max_examples=300, deadline=None)
@given(messages)
def test_masking_is_idempotent(text: str) -> None:
    once = mask_pii(text)
    twice = mask_pii(once.text)
    assert twice.text == once.text
    assert twice.spans == ()


@settings(max_examples=300, deadline=None)
@given(messages)
def test_text_outside_spans_is_unchanged(text: str) -> None:
    result = mask_pii(text)
    masked_cursor = source_cursor = 0
    for span in result.spans:
        assert result.text[masked_cursor : span.start] == text[source_cursor : span.source_start]
        masked_cursor, source_cursor = span.end, span.source_end
    assert result.text[masked_cursor:] == text[source_cursor:]


@settings(max_examples=300, deadline=None)
@given(messages)
def test_no_luhn_valid_card_number_survives(text: str) -> None:
    assert luhn_runs(mask_pii(text).text) == [], ascii(text)  # the text may be invisible
