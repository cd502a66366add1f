"""End to end against telegram-test-api in long-polling mode: a user's view of the bot."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Callable

from tests.telegram.conftest import LINKED_USER, BotEnv
from tests.telegram.harness import ChatUser, Messages, body_of, buttons


async def test_start_discloses_ai_and_privacy_then_answers_in_the_chosen_language(
    bot_env: BotEnv,
) -> None:
    user = bot_env.user(1001, language_code="en")
    await user.send("/start")
    [welcome] = await user.wait_for(lambda ms: len(ms) >= 1, what="the welcome")
    assert "AI assistant" in welcome["text"] and "Privacy" in welcome["text"]
    assert [b["text"] for b in buttons(welcome)] == ["中文", "English"]

    await user.press(welcome, "中文")
    messages = await user.wait_for(lambda ms: len(ms) >= 2, what="the language confirmation")
    assert "中文" in messages[1]["text"]

    await user.send("这款耳机多少钱？")
    [answer] = await user.wait_answers(1)
    assert "极光无线耳机售价 299 元。目前有货。" in answer["text"]
    assert "来源：EA-1001 (price); EA-1001 (stock)" in answer["text"]
    turn = bot_env.shop.turns[-1]
    assert (turn.channel, turn.conversation_id, turn.locale) == ("telegram", "tg:1001", "zh")
    assert turn.telegram_id == 1001 and turn.customer_id is None


async def test_english_answer_with_product_cards_and_working_buttons(bot_env: BotEnv) -> None:
    user = bot_env.user(1002, language_code="en")
    await user.send("How much are the earbuds?")
    [answer] = await user.wait_answers(1)
    assert answer["text"].startswith("The Aurora wireless earbuds costs 299 CNY. It is in stock.")
    messages = await user.wait_for(lambda ms: any("photo" in m for m in ms), what="the card")
    [card] = [m for m in messages if "photo" in m]
    assert card["caption"].startswith("Aurora wireless earbuds\n299.00 CNY · In stock")
    assert len(card["caption"]) <= 1024
    labels = {b["text"]: b for b in buttons(card)}
    assert labels["Open in shop"]["url"] == "https://shop.example/p/EA-1001"
    payloads = [b["callback_data"] for b in buttons(card) if "callback_data" in b]
    assert payloads and all(len(data.encode()) <= 64 for data in payloads)

    await user.press(card, "Details")
    await user.wait_answers(2)
    assert bot_env.shop.turns[-1].page_sku == "EA-1001"
    assert bot_env.shop.turns[-1].text == "Tell me more about this product."

    await user.press(card, "More like this")
    second = await user.wait_answers(3)
    assert "Here are some options" in second[-1]["text"]
    # headphones (an SVG picture: sent as a text card) and shoes (no shop link)
    cards = await user.wait_for(
        lambda ms: (
            sum("Breeze over-ear headphones" in body_of(m) for m in ms) >= 1
            and sum(body_of(m).startswith("Trail running shoes") for m in ms) >= 1
        ),
        what="the recommended cards",
    )
    headphones = next(m for m in cards if body_of(m).startswith("Breeze"))
    shoes = next(m for m in cards if body_of(m).startswith("Trail running shoes"))
    assert "photo" not in headphones and "Out of stock" in shoes["text"]
    assert "Open in shop" not in {b["text"] for b in buttons(shoes)}


async def test_thumbs_and_csat_are_recorded_and_reset_starts_a_new_conversation(
    bot_env: BotEnv,
) -> None:
    user = bot_env.user(1003)
    await user.send("earbuds?")
    [answer] = await user.wait_answers(1)
    await user.press(answer, "👍")
    await _until(lambda: len(bot_env.feedback.received) == 1)
    vote = bot_env.feedback.received[0]
    assert (vote.conversation_id, vote.thumbs) == ("tg:1003", "up")
    assert vote.turn_id == _turn_id_of(bot_env, 0)

    await user.send("/reset")
    messages = await user.wait_for(lambda ms: any("new conversation" in body_of(m) for m in ms))
    rating = next(m for m in messages if "new conversation" in body_of(m))
    assert [b["text"] for b in buttons(rating)] == ["1⭐", "2⭐", "3⭐", "4⭐", "5⭐"]
    await user.press(rating, "4⭐")
    await _until(lambda: len(bot_env.feedback.received) == 2)
    assert bot_env.feedback.received[1].csat == 4
    assert bot_env.feedback.received[1].conversation_id == "tg:1003"
    await user.wait_for(
        lambda ms: not buttons(next(m for m in ms if m["message_id"] == rating["message_id"])),
        what="the stars to go once rated",
    )

    await user.send("and the shoes?")
    await user.wait_answers(2)
    assert bot_env.shop.turns[-1].conversation_id == "tg:1003:1"


async def test_human_hands_off_and_the_bot_stays_silent_until_reset(bot_env: BotEnv) -> None:
    user = bot_env.user(1004)
    await user.send("/human")
    messages = await user.wait_for(lambda ms: any("colleague" in body_of(m) for m in ms))
    assert bot_env.shop.turns[-1].text == "I'd like to talk to a human agent, please."
    await user.send("hello? how much are the earbuds?")
    await user.stays_quiet(2.0, known=len(messages))
    assert bot_env.shop.turns[-1].conversation_id == "tg:1004"  # logged for the staff

    await user.send("/reset")
    await user.send("how much are the earbuds?")
    latest = await user.wait_answers(2)  # the handoff note, then this answer
    assert "299" in latest[-1]["text"]


async def test_a_linked_user_gets_the_order_status(bot_env: BotEnv) -> None:
    user = bot_env.user(LINKED_USER)
    await user.send("Where is my order?")
    [answer] = await user.wait_answers(1)
    assert "Order A-1001 (2026-11-02, 299.00 CNY) is shipped. Tracking: SF SF123" in answer["text"]
    assert bot_env.shop.turns[-1].customer_id == 1
    assert not any(b["text"].startswith("🔗") for b in buttons(answer))


async def test_an_unlinked_user_is_refused_and_can_link_with_order_and_email(
    bot_env: BotEnv,
) -> None:
    user = bot_env.user(1005)
    await user.send("Where is my order?")
    [refusal] = await user.wait_answers(1)
    assert "confirm it's yours" in refusal["text"] and "A-2001" not in refusal["text"]
    assert bot_env.shop.turns[-1].customer_id is None

    # a wrong email links nothing, and says so without telling why
    await user.press(refusal, "🔗")
    await _conversation(
        user, ["order number", "email", "Link this Telegram"], ["A-2001", "li.wei@example.com"]
    )
    confirm = (await user.bot_messages())[-1]
    await user.press(confirm, "Yes")
    await user.wait_for(lambda ms: "don't match" in ms[-1].get("text", ""))

    await user.send("/link")
    await _conversation(
        user, ["order number", "email", "Link this Telegram"], ["A-2001", "anna@example.com"]
    )
    confirm = (await user.bot_messages())[-1]
    assert "A-2001 (anna@example.com)" in confirm["text"]
    await user.press(confirm, "Yes")
    await user.wait_for(lambda ms: ms[-1].get("text", "").startswith("Linked."))

    await user.send("Where is my order?")
    latest = await user.wait_answers(2)
    assert "Order A-2001 (2026-11-03, 459.00 CNY) is delivered." in latest[-1]["text"]
    assert bot_env.shop.turns[-1].customer_id == 2


async def test_in_a_group_the_bot_answers_only_when_addressed(bot_env: BotEnv) -> None:
    member = bot_env.user(1006, chat_id=-100500, chat_type="group")
    await member.send("how much are the earbuds?")
    await member.stays_quiet(1.5, known=0)

    await member.send("@TestNameBot how much are the earbuds?")
    [answer] = await member.wait_answers(1, timeout=30)
    assert bot_env.shop.turns[-1].text == "how much are the earbuds?"
    assert bot_env.shop.turns[-1].conversation_id == "tg:-100500"

    reply_to = {
        "message_id": answer["message_id"],
        "date": answer["date"],
        "chat": {"id": -100500, "type": "group"},
        "from": {"id": 666, "is_bot": True, "first_name": "Test First name"},
    }
    await member.send("and the shoes?", reply_to_message=reply_to)
    await member.wait_answers(2, timeout=30)
    assert bot_env.shop.turns[-1].text == "and the shoes?"


async def test_staff_replies_come_through_the_outbox_once_and_as_a_person(
    bot_env: BotEnv,
) -> None:
    user = bot_env.user(1007)
    for _ in range(2):  # the console retrying the same message
        assert await bot_env.gateway.send_staff(
            "tg:1007", "Wang", "I've checked: it ships today.", message_id="console-1"
        )
    messages = await user.wait_for(lambda ms: len(ms) >= 1)
    assert [m["text"] for m in messages] == ["👤 Wang (staff): I've checked: it ships today."]
    assert not await bot_env.gateway.send_staff("web:abc", "Wang", "hi", message_id="x")


def _turn_id_of(env: BotEnv, index: int) -> str:
    """The scripted shop derives turn ids from message ids."""
    return uuid.uuid5(uuid.NAMESPACE_URL, env.shop.turns[index].message_id).hex


async def _until(condition: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.05)


async def _conversation(user: ChatUser, prompts: list[str], replies: list[str]) -> None:
    """Wait for each prompt of the bot in turn, answering with the next reply."""
    for index, prompt in enumerate(prompts):

        def asked(messages: Messages, prompt: str = prompt) -> bool:
            return prompt in messages[-1].get("text", "")

        await user.wait_for(asked, what=prompt)
        if index < len(replies):
            await user.send(replies[index])


async def test_unknown_commands_get_help_and_pictures_a_request_for_text(bot_env: BotEnv) -> None:
    user = bot_env.user(1008)
    await user.send("/frobnicate")
    await user.wait_for(lambda ms: len(ms) == 1 and "/human" in ms[0]["text"], what="help")
    photo = [{"file_id": "p1", "file_unique_id": "u1", "width": 90, "height": 90}]
    await user.http.post(
        "/sendMessage",
        json={
            "botToken": user.token,
            "from": {"id": 1008, "is_bot": False, "first_name": "Li"},
            "chat": {"id": 1008, "type": "private"},
            "date": int(time.time()),
            "photo": photo,
        },
    )
    await user.wait_for(lambda ms: len(ms) == 2 and "only read text" in ms[1]["text"])
    assert not bot_env.shop.turns
