"""Several replicas of one bot sharing Redis: exactly one receives updates, and another takes
over when it stops or dies. Against the real Redis and telegram-test-api."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiogram import Bot
from aiogram.client.session.middlewares.base import BaseRequestMiddleware
from aiogram.methods import GetUpdates, TelegramMethod
from redis.asyncio import Redis

from bot.telegram.gateway import TelegramGateway, build_telegram, receiver_lock
from bot.telegram.leader import Leadership, RedisLeaderLock
from dialogue.orders import OrderDesk
from tests.telegram.conftest import telegram_settings
from tests.telegram.harness import (
    ChatUser,
    Emulator,
    answers,
    delete_redis_prefix,
    emulator_http,
    new_token,
    redis_url_or_skip,
)
from tests.telegram.scripted import ScriptedShop

ROOT = Path(__file__).resolve().parents[2]


class CountRequests(BaseRequestMiddleware):
    """Counts the Bot API methods one gateway calls."""

    def __init__(self) -> None:
        self.calls: Counter[str] = Counter()

    async def __call__(self, make_request: Any, bot: Bot, method: TelegramMethod[Any]) -> Any:
        self.calls[type(method).__name__] += 1
        return await make_request(bot, method)

    @property
    def polls(self) -> int:
        return self.calls[GetUpdates.__name__]


@pytest.fixture
async def redis_prefix() -> AsyncIterator[tuple[str, str]]:
    url = await redis_url_or_skip()
    prefix = f"kefu-test-{uuid.uuid4().hex[:10]}"
    yield url, prefix
    await delete_redis_prefix(url, prefix)


async def until(condition: Any, timeout: float, what: str) -> float:
    started = time.monotonic()
    while not condition():
        if time.monotonic() - started > timeout:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)
    return time.monotonic() - started


async def test_one_replica_polls_and_another_takes_over_when_it_stops(
    emulator: Emulator, order_desk: OrderDesk, redis_prefix: tuple[str, str]
) -> None:
    url, prefix = redis_prefix
    token = new_token()
    settings = telegram_settings(
        emulator.url,
        token,
        redis_url=url,
        telegram_redis_prefix=prefix,
        telegram_leader_ttl_s=2.0,
        telegram_leader_renew_s=0.5,
        telegram_polling_timeout_s=1,
    )
    shops = [ScriptedShop(desk=order_desk), ScriptedShop(desk=order_desk)]
    gateways: list[TelegramGateway] = []
    counters: list[CountRequests] = []
    for shop in shops:
        gateway = build_telegram(shop, settings=settings, orders=order_desk)
        counter = CountRequests()
        gateway.bot.session.middleware(counter)
        gateways.append(gateway)
        counters.append(counter)
    stopped: set[int] = set()
    try:
        for gateway in gateways:
            await gateway.start()
        leaders = [i for i, g in enumerate(gateways) if g.leadership and g.leadership.leading]
        assert leaders == [0], "the first replica took the lock, the second waits"
        await asyncio.sleep(1.5)  # several renewals and several tries of the waiting one
        assert counters[0].polls >= 1 and counters[1].polls == 0
        assert counters[1].calls["DeleteWebhook"] == 0, "the waiting replica leaves Telegram be"

        async with emulator_http(emulator.url) as http:
            user = ChatUser(http, token, 5001)
            await user.send("How much are the earbuds?")
            await user.wait_answers(1)
            await asyncio.sleep(1.0)  # a second receiver would answer the message again
            assert len(answers(await user.bot_messages())) == 1
            assert len(shops[0].turns) == 1 and shops[1].turns == []

            await gateways[0].stop()  # hands the lock over at once
            stopped.add(0)
            polls_after_stop = counters[0].polls
            took = await until(
                lambda: gateways[1].leadership is not None and gateways[1].leadership.leading,
                timeout=3,
                what="the second replica to take over",
            )
            assert took <= settings.telegram_leader_renew_s + 0.5
            await user.send("Do you have earbuds in stock?")
            await user.wait_answers(2)
            assert len(shops[1].turns) == 1 and counters[1].polls >= 1
            assert counters[0].polls == polls_after_stop
    finally:
        for i, gateway in enumerate(gateways):
            if i not in stopped:
                await gateway.stop()


async def test_a_killed_receiver_is_replaced_once_its_lock_expires(
    emulator: Emulator, redis_prefix: tuple[str, str], tmp_path: Path
) -> None:
    url, prefix = redis_prefix
    token = new_token()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    args = [sys.executable, "-m", "tests.telegram.receiver_process", emulator.url, token, url]
    processes = [
        subprocess.Popen(
            [*args, prefix, str(tmp_path / f"shop{i}.db")],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            text=True,
        )
        for i in range(2)
    ]
    try:
        tokens = [await asyncio.to_thread(_read_token, p) for p in processes]
        bot_id = int(token.split(":")[0])
        settings = telegram_settings(
            emulator.url, token, redis_url=url, telegram_redis_prefix=prefix
        )
        lock = receiver_lock(settings, bot_id)
        try:
            holder = await lock.holder()
            assert holder in tokens
            leader = tokens.index(holder)
            processes[leader].kill()  # no goodbye: the lock stays until it expires
            killed_at = time.monotonic()
            while (await lock.holder()) != tokens[1 - leader]:
                assert time.monotonic() - killed_at < 6, "the other replica did not take over"
                await asyncio.sleep(0.05)
            took = time.monotonic() - killed_at
            assert took <= 2.0 + 0.5 + 1.0  # the lock's ttl, one try of the waiter, slack
        finally:
            await lock.close()
        async with emulator_http(emulator.url) as http:
            user = ChatUser(http, token, 5002)
            await user.send("How much are the earbuds?")
            [answer] = await user.wait_answers(1)
            assert "earbuds" in answer["text"].lower()
    finally:
        for process in processes:
            process.kill()
            process.wait(timeout=10)


def _read_token(process: subprocess.Popen[str]) -> str:
    assert process.stdout is not None
    line = process.stdout.readline()
    assert line.startswith("TOKEN "), f"the gateway process did not start: {line!r}"
    return line.split()[1]


async def test_a_lock_is_renewed_and_released_only_by_its_holder(
    redis_prefix: tuple[str, str],
) -> None:
    url, prefix = redis_prefix
    key = f"{prefix}:receiver:1"
    first = RedisLeaderLock(Redis.from_url(url), key, ttl_s=0.5)
    second = RedisLeaderLock(Redis.from_url(url), key, ttl_s=0.5)
    try:
        assert await first.acquire() and not await second.acquire()
        assert not await second.renew() and not await second.release()
        assert await first.holder() == first.token
        await asyncio.sleep(0.3)
        assert await first.renew()
        await asyncio.sleep(0.3)  # past the first ttl: only the renewal keeps it
        assert await first.holder() == first.token
        await asyncio.sleep(0.6)
        assert await first.holder() is None, "an unrenewed lock expires"
        assert await second.acquire()
        assert not await first.renew(), "a lock that expired is not taken back by a renewal"
        assert await second.release() and await first.holder() is None
    finally:
        await first.close()
        await second.close()


async def test_a_holder_that_cannot_reach_redis_steps_down_before_its_lock_expires(
    redis_prefix: tuple[str, str],
) -> None:
    url, prefix = redis_prefix
    events: list[str] = []

    async def elected() -> None:
        events.append("elected")

    async def deposed() -> None:
        events.append("deposed")

    lock = RedisLeaderLock(Redis.from_url(url), f"{prefix}:receiver:2", ttl_s=1.0)
    leadership = Leadership(lock, on_elected=elected, on_deposed=deposed, renew_s=0.2, retry_s=0.2)
    await leadership.start()
    assert events == ["elected"]
    # Redis goes away for this process (an unreachable port stands in for a partition).
    lock.redis = Redis.from_url("redis://127.0.0.1:1/0", socket_connect_timeout=0.1)
    cut_at = time.monotonic()
    await until(lambda: events == ["elected", "deposed"], timeout=3, what="stepping down")
    assert time.monotonic() - cut_at < 1.0, "it stopped receiving before the lock could expire"
    await leadership.stop()
