"""Pure parts of the gateway: texts, cards, callback data, settings."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.telegram.callbacks import (
    ActionCB,
    CardCB,
    CsatCB,
    FeedbackCB,
    LangCB,
    LinkCB,
    packed_fits,
    sku_token,
    turn_ref,
)
from bot.telegram.chat_state import chat_of_conversation, conversation_id
from bot.telegram.render import (
    CAPTION_LIMIT,
    absolute_url,
    answer_keyboard,
    card_caption,
    card_keyboard,
    photo_url,
    sources_line,
    split_message,
)
from bot.telegram.reply import draft_id_for, join_sentences
from bot.telegram.settings import TelegramSettings
from bot.telegram.staff import staff_text
from dialogue.types import Citation, ProductCard, SuggestedAction


def card(**changes: object) -> ProductCard:
    values: dict[str, object] = {
        "sku": "EA-1001",
        "title": "Aurora wireless earbuds",
        "price": 299.0,
        "currency": "CNY",
        "image_url": "/img/EA-1001.jpg",
        "url": "/p/EA-1001",
        "in_stock": True,
        "reason": "Long battery life.",
    }
    values.update(changes)
    return ProductCard(**values)  # type: ignore[arg-type]


@given(st.text(min_size=1, max_size=300))
def test_every_button_fits_telegrams_64_bytes(sku: str) -> None:
    token = sku_token(sku)
    ref = turn_ref(sku)
    for data in (
        CardCB(action="d", sku=token),
        FeedbackCB(ref=ref, thumbs="u"),
        ActionCB(ref=ref, index=99),
        CsatCB(epoch=10**6, score=5),
        LangCB(lang="zh"),
        LinkCB(step="start"),
    ):
        assert packed_fits(data)
    assert ":" not in token


def test_short_skus_ride_in_the_button_long_ones_as_a_hash() -> None:
    assert sku_token("EA-1001") == "EA-1001"
    long_sku = "B0" + "X" * 60
    assert sku_token(long_sku).startswith("~") and len(sku_token(long_sku)) == 11
    assert sku_token("A:B").startswith("~")


def test_a_caption_keeps_title_and_facts_and_fits_1024_characters() -> None:
    caption = card_caption(card(reason="very good " * 300), "en")
    assert len(caption) <= CAPTION_LIMIT
    assert caption.startswith("Aurora wireless earbuds\n299.00 CNY · In stock\nvery good")
    assert caption.endswith("…")
    assert card_caption(card(in_stock=False, price=None), "zh").splitlines()[1] == "缺货"
    assert len(card_caption(card(title="t" * 5000), "en")) <= CAPTION_LIMIT


def test_urls_become_absolute_and_only_raster_pictures_are_photos() -> None:
    assert absolute_url("/p/EA-1001", "https://shop.example/") == "https://shop.example/p/EA-1001"
    assert absolute_url("/p/EA-1001", "") is None
    assert absolute_url("https://cdn.example/x", "") == "https://cdn.example/x"
    assert photo_url(card(), "https://shop.example") == "https://shop.example/img/EA-1001.jpg"
    assert photo_url(card(image_url="/static/products/EA-1001.svg"), "https://s.example") is None
    assert photo_url(card(image_url=""), "https://s.example") is None


def test_card_buttons_skip_the_shop_link_without_an_absolute_url() -> None:
    with_link = card_keyboard(card(), "en", "https://shop.example")
    labels = [b.text for row in with_link.inline_keyboard for b in row]
    assert labels == ["Details", "More like this", "Open in shop"]
    without = card_keyboard(card(), "zh", "")
    assert [b.text for row in without.inline_keyboard for b in row] == ["详情", "相似商品"]


def test_answer_keyboard_thumbs_actions_and_link_offer() -> None:
    actions = [SuggestedAction("human", "Talk to a person"), SuggestedAction("reply", "Yes")]
    markup = answer_keyboard("abc", actions, "en", offer_link=True)
    rows = [[b.text for b in row] for row in markup.inline_keyboard]
    assert rows == [["👍", "👎"], ["👤 Talk to a person"], ["Yes"], ["🔗 Link my orders"]]
    assert markup.inline_keyboard[2][0].callback_data == "ac:abc:1"


@given(st.text(max_size=20_000))
def test_split_messages_fit_and_lose_nothing_but_whitespace(body: str) -> None:
    chunks = split_message(body)
    assert all(0 < len(c) <= 4096 for c in chunks)
    assert "".join("".join(chunks).split()) == "".join(body.split())


def test_sources_read_as_names_not_paths() -> None:
    cites = [
        Citation("doc/policies/returns.md#Refund window"),
        Citation("EA-1001#price"),
        Citation("EA-1001#price"),
        Citation(""),
    ]
    assert sources_line(cites, "en") == "Sources: returns › Refund window; EA-1001 (price)"
    assert sources_line([], "zh") == ""


def test_sentences_join_with_spaces_in_english_and_run_on_in_chinese() -> None:
    assert join_sentences(["It costs 299.", "In stock."]) == "It costs 299. In stock."
    assert join_sentences(["售价 299 元。", "目前有货。"]) == "售价 299 元。目前有货。"
    assert draft_id_for("tg:1:2") == draft_id_for("tg:1:2") > 0


def test_conversation_ids_and_staff_lines() -> None:
    assert conversation_id(42) == "tg:42" and conversation_id(-100, 3) == "tg:-100:3"
    assert chat_of_conversation("tg:-100:3") == -100 and chat_of_conversation("web:x") is None
    assert chat_of_conversation("tg:abc") is None
    assert staff_text("Wang", " On its way. ", "en") == "👤 Wang (staff): On its way."
    assert staff_text("王芳", "已发货。", "zh") == "👤 王芳（人工客服）：已发货。"


def test_settings_come_from_kefu_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KEFU_TELEGRAM_TOKEN", "123:abc")
    monkeypatch.setenv("KEFU_TELEGRAM_API_URL", "http://127.0.0.1:8081")
    monkeypatch.setenv("KEFU_TELEGRAM_WEBHOOK_URL", "https://bot.example/hooks/tg")
    monkeypatch.setenv("KEFU_TELEGRAM_WEBHOOK_SECRET", "s3cret")
    monkeypatch.setenv("KEFU_REDIS_URL", "redis://127.0.0.1:6379/2")
    monkeypatch.setenv("KEFU_PUBLIC_URL", "https://shop.example")
    settings = TelegramSettings(_env_file=None)
    assert settings.enabled and settings.webhook_mode
    assert settings.telegram_token.get_secret_value() == "123:abc"
    assert settings.webhook_path == "/hooks/tg"
    assert (settings.telegram_api_url, settings.redis_url, settings.public_url) == (
        "http://127.0.0.1:8081",
        "redis://127.0.0.1:6379/2",
        "https://shop.example",
    )
    assert "s3cret" not in repr(settings)


def test_the_order_intents_match_the_dialogue_managers() -> None:
    from bot.telegram.turns import ORDER_INTENTS
    from dialogue.understand.intents import ORDER_INTENTS as dialogue_order_intents

    assert dialogue_order_intents == ORDER_INTENTS
