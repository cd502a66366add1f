"""FSM state in Redis survives a restart of the bot (a new Bot, Dispatcher and storage)."""

from __future__ import annotations

import uuid

from aiogram.fsm.storage.base import DefaultKeyBuilder
from aiogram.fsm.storage.redis import RedisStorage

from bot.telegram.dispatcher import make_storage
from dialogue.orders import OrderDesk
from tests.telegram.conftest import FeedbackLog, running_bot, telegram_settings
from tests.telegram.harness import (
    ChatUser,
    Emulator,
    delete_redis_prefix,
    emulator_http,
    emulator_stats,
    new_token,
    redis_url_or_skip,
)
from tests.telegram.scripted import ScriptedShop


async def test_language_and_link_flow_survive_a_restart(
    emulator: Emulator, shop: ScriptedShop, order_desk: OrderDesk
) -> None:
    url = await redis_url_or_skip()
    prefix = f"kefu-test-{uuid.uuid4().hex[:10]}"
    token = new_token()
    settings = telegram_settings(emulator.url, token, redis_url=url, telegram_redis_prefix=prefix)
    assert isinstance(make_storage(settings), RedisStorage)
    try:
        async with emulator_http(emulator.url) as http:
            user = ChatUser(http, token, 3001, language_code="en")
            async with running_bot(settings, shop, orders=order_desk, feedback=FeedbackLog()):
                await user.send("/start")
                [welcome] = await user.wait_for(lambda ms: len(ms) == 1)
                await user.press(welcome, "中文")
                await user.wait_for(lambda ms: len(ms) == 2)
                await user.send("/link")
                await user.wait_for(lambda ms: "订单号" in ms[-1].get("text", ""))

            # a new process: new bot, dispatcher and storage, same Redis
            storage = RedisStorage.from_url(url, key_builder=DefaultKeyBuilder(prefix=prefix))
            async with running_bot(settings, shop, orders=order_desk, storage=storage):
                await user.send("A-2001")  # the answer to the question asked before the restart
                await user.wait_for(lambda ms: "邮箱" in ms[-1].get("text", ""), what="email")
                await user.send("anna@example.com")
                await user.wait_for(lambda ms: "确认" in ms[-1].get("text", ""), what="confirm")
                await user.press((await user.bot_messages())[-1], "确认关联")
                await user.wait_for(lambda ms: "关联成功" in ms[-1].get("text", ""))
                await user.send("耳机多少钱？")
                [answer] = await user.wait_answers(1)
                assert "极光无线耳机" in answer["text"]
                assert shop.turns[-1].locale == "zh" and shop.turns[-1].customer_id == 2
        assert (await emulator_stats(emulator.url, token))["tooManyRequests"] == []
    finally:
        await delete_redis_prefix(url, prefix)
