"""Flood control and delivery against a misbehaving Bot API server over real HTTP."""

from __future__ import annotations

import asyncio
import itertools
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.methods import SendMessage
from aiogram.types import Message

from bot.telegram.delivered import RedisDeliveredKeys
from bot.telegram.errors import DeliveryError
from bot.telegram.outbox import Outbox
from tests.telegram.fake_bot_api import Arrival, FakeBotApi
from tests.telegram.harness import delete_redis_prefix, redis_url_or_skip


@pytest.fixture
async def api() -> AsyncIterator[FakeBotApi]:
    server = FakeBotApi()
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
async def bot(api: FakeBotApi) -> AsyncIterator[Bot]:
    session = AiohttpSession(api=TelegramAPIServer.from_base(api.url))
    client = Bot("123456:fake-token", session=session)
    yield client
    await session.close()


def outbox_for(bot: Bot, **options: Any) -> Outbox:
    return Outbox(bot, **{"chat_interval_s": 0.2, "retry_base_s": 0.2, **options})


async def send_all(outbox: Outbox, chat_id: int, texts: list[str]) -> list[Any]:
    """Queue every text at once (as a burst of answers would), then wait for all."""
    futures = [outbox.post(chat_id, SendMessage(chat_id=chat_id, text=t)) for t in texts]
    return await asyncio.gather(*futures, return_exceptions=True)


def gaps(arrivals: list[Arrival]) -> list[float]:
    return [b.at - a.at for a, b in itertools.pairwise(arrivals)]


async def test_a_429_waits_exactly_retry_after_then_retries_in_order(
    api: FakeBotApi, bot: Bot
) -> None:
    api.faults = {"m1": ["429:1"]}
    outbox = outbox_for(bot)
    results = await send_all(outbox, 7, ["m0", "m1", "m2", "m3"])
    assert all(isinstance(r, Message) for r in results)
    assert [a.text for a in api.accepted] == ["m0", "m1", "m2", "m3"]
    refused, retried = [a for a in api.arrivals if a.text == "m1"]
    assert refused.outcome == "429:1" and retried.outcome == "ok"
    assert 1.0 <= retried.at - refused.at < 1.3
    assert outbox.stats().rate_limited == 1
    await outbox.close()


async def test_dropped_connections_and_5xx_retry_with_backoff_without_loss_or_doubles(
    api: FakeBotApi, bot: Bot
) -> None:
    api.faults = {"m1": ["drop", "drop"], "m2": ["502"]}
    outbox = outbox_for(bot)
    results = await send_all(outbox, 8, ["m0", "m1", "m2", "m3"])
    assert all(isinstance(r, Message) for r in results)
    assert [a.text for a in api.accepted] == ["m0", "m1", "m2", "m3"]  # each once, in order
    m1 = [a for a in api.arrivals if a.text == "m1"]
    assert [a.outcome for a in m1] == ["drop", "drop", "ok"]
    first, second = gaps(m1)
    assert 0.2 <= first < 0.4 and 0.4 <= second < 0.6  # backoff doubles
    assert outbox.stats().network_retries == 3
    await outbox.close()


async def test_every_chat_keeps_its_interval_and_all_stay_under_30_a_second(
    api: FakeBotApi, bot: Bot
) -> None:
    outbox = Outbox(bot)  # the defaults: 1 s per chat, 30 a second overall
    chats = range(1, 41)
    await asyncio.gather(*(send_all(outbox, c, [f"{c}-{i}" for i in range(3)]) for c in chats))
    arrivals = api.accepted
    assert len(arrivals) == 120 and len({a.text for a in arrivals}) == 120
    for chat in chats:
        mine = [a for a in arrivals if a.chat_id == chat]
        assert [a.text for a in mine] == [f"{chat}-{i}" for i in range(3)]
        assert min(gaps(mine)) >= 1.0
    times = sorted(a.at for a in arrivals)
    busiest = max(sum(1 for t in times if start <= t < start + 1.0) for start in times)
    assert busiest <= 30
    await outbox.close()


async def test_groups_are_paced_more_slowly_than_private_chats(api: FakeBotApi, bot: Bot) -> None:
    outbox = Outbox(bot, chat_interval_s=0.1, group_interval_s=0.6)
    await asyncio.gather(
        send_all(outbox, -5, ["g0", "g1", "g2"]), send_all(outbox, 5, ["p0", "p1", "p2"])
    )
    group = [a for a in api.accepted if a.chat_id == -5]
    private = [a for a in api.accepted if a.chat_id == 5]
    assert min(gaps(group)) >= 0.6 and max(gaps(private)) < 0.5
    await outbox.close()


async def test_a_key_is_delivered_once_however_often_it_is_sent(api: FakeBotApi, bot: Bot) -> None:
    outbox = outbox_for(bot)
    method = SendMessage(chat_id=9, text="once")
    first, second = await asyncio.gather(
        outbox.post(9, method, key="k1"), outbox.post(9, method, key="k1")
    )
    third = await outbox.send(9, method, key="k1")
    assert isinstance(first, Message) and first == second == third
    assert [a.text for a in api.arrivals] == ["once"]
    assert outbox.stats().deduplicated == 2
    await outbox.close()


async def test_delivered_keys_in_redis_hold_across_a_restart(api: FakeBotApi, bot: Bot) -> None:
    url = await redis_url_or_skip()
    prefix = f"kefu-test-{uuid.uuid4().hex[:10]}"
    try:
        method = SendMessage(chat_id=10, text="after restart")
        before = outbox_for(bot, delivered=RedisDeliveredKeys.from_url(url, prefix))
        sent = await before.send(10, method, key="k")
        assert isinstance(sent, Message)
        await before.close()
        after = outbox_for(bot, delivered=RedisDeliveredKeys.from_url(url, prefix))
        again = await after.send(10, method, key="k")
        assert again is None  # known, its result gone: not sent again
        fresh = await after.send(10, SendMessage(chat_id=10, text="new"), key="k2")
        assert isinstance(fresh, Message)
        await after.close()
        assert [a.text for a in api.arrivals] == ["after restart", "new"]
    finally:
        await delete_redis_prefix(url, prefix)


async def test_a_refused_message_fails_alone(api: FakeBotApi, bot: Bot) -> None:
    api.faults = {"m1": ["400"]}
    outbox = outbox_for(bot)
    results = await send_all(outbox, 11, ["m0", "m1", "m2"])
    assert isinstance(results[0], Message) and isinstance(results[2], Message)
    assert isinstance(results[1], DeliveryError) and results[1].permanent
    assert "chat not found" in str(results[1])
    assert [a.text for a in api.arrivals] == ["m0", "m1", "m2"]  # refused once, not retried
    await outbox.close()


async def test_transient_failures_give_up_after_the_deadline(api: FakeBotApi, bot: Bot) -> None:
    api.faults = {"m0": ["502"] * 100}
    outbox = outbox_for(bot, retry_base_s=0.1, give_up_after_s=0.5)
    with pytest.raises(DeliveryError) as failure:
        await outbox.send(12, SendMessage(chat_id=12, text="m0"))
    assert not failure.value.permanent
    assert 3 <= len(api.arrivals) <= 6  # 0.1, 0.2, 0.4 s of backoff, then the deadline
    await outbox.close()


async def test_a_queued_message_can_be_revised_until_it_is_sent(api: FakeBotApi, bot: Bot) -> None:
    outbox = outbox_for(bot, chat_interval_s=0.5)
    first = outbox.post(13, SendMessage(chat_id=13, text="draft 1"), key="a")
    second = outbox.post(13, SendMessage(chat_id=13, text="draft 2"), key="b")
    assert outbox.revise("b", SendMessage(chat_id=13, text="final 2"))  # waits for its turn
    await asyncio.gather(first, second)
    assert not outbox.revise("a", SendMessage(chat_id=13, text="too late"))
    assert [a.text for a in api.arrivals] == ["draft 1", "final 2"]
    await outbox.close()
