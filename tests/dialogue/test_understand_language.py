from __future__ import annotations

import pytest

from dialogue.understand.language import cjk_share, detect_language


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("where is my parcel", "en"),
        ("我的快递到哪了", "zh"),
        ("iPhone 15 多少钱", "zh"),
        ("这款 Sony WH-1000XM5 有现货吗", "zh"),
        ("订单A-1001到哪里了", "zh"),
        ("Do you sell 小米 phones in the US?", "en"),
        ("I want the 红色 one please", "en"),
        ("ＨＥＬＬＯ there", "en"),
        ("你好", "zh"),
        ("好", "zh"),
    ],
)
def test_language_of_a_turn(text: str, lang: str) -> None:
    assert detect_language(text) == lang


@pytest.mark.parametrize("text", ["42", "👍", "A-1001", "?!", "ok"])
def test_turns_without_language_keep_the_conversation_language(text: str) -> None:
    assert detect_language(text, default="zh") == "zh"
    assert detect_language(text, default="en") == "en"


def test_cjk_share() -> None:
    assert cjk_share("") == 0.0
    assert cjk_share("hello world") == 0.0
    assert cjk_share("你好") == 1.0
    assert cjk_share("iPhone 多少钱") == pytest.approx(3 / 4)
