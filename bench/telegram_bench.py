"""Many shoppers at once on Telegram, through the telegram-test-api emulator.

    python -m bench.telegram_bench [--users 100] [--messages 5] [--delay 0.05]

Starts the emulator (tests/telegram/emulator, `make telegram-emulator`) with
Telegram's documented flood limits enforced (429 with retry_after past about one
message a second per chat with short bursts, 30 a second overall), runs the bot
in long-polling mode with its default flood control and a scripted dialogue
manager (two sentences a turn, `--delay` seconds apart; every third message asks
for recommendations and gets two product cards, the others one), and lets each user
send `--messages` messages, each one after the previous answer arrived.

Checks: every message answered, none answered twice, no 429 from the emulator.
Reports: updates handled per second, the outbox's queueing delay (enqueue to
first send), answer latency as the user sees it, and the event loop's worst lag.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import statistics
import sys
import time
from collections import defaultdict
from collections.abc import Iterator
from typing import Any

import httpx

from bot.telegram.gateway import build_telegram
from bot.telegram.settings import TelegramSettings
from tests.telegram.harness import (
    ChatUser,
    Emulator,
    answers,
    emulator_missing,
    emulator_stats,
    new_token,
)
from tests.telegram.scripted import ScriptedShop

FIRST_CHAT = 100_000


def question(index: int) -> str:
    if index % 3 == 0:
        return f"#{index} recommend something similar to the earbuds"
    return f"#{index} how much are the earbuds?"


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


class AnswerWatch:
    """One poller for all chats: which tagged answers each chat has received."""

    def __init__(self, http: httpx.AsyncClient, token: str) -> None:
        self.http = http
        self.token = token
        self.seen: dict[int, set[str]] = defaultdict(set)
        self.changed = asyncio.Event()
        self.messages: list[dict[str, Any]] = []

    async def run(self, every_s: float = 0.25) -> None:
        while True:
            response = await self.http.post("/_kefu/botMessages", json={"token": self.token})
            self.messages = response.json()["result"]
            for message in answers(self.messages):
                tag = message.get("text", "").split(" ", 1)[0]
                self.seen[message["chat"]["id"]].add(tag)
            self.changed.set()
            self.changed.clear()
            await asyncio.sleep(every_s)

    async def wait(self, chat_id: int, tag: str, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while f"({tag})" not in self.seen[chat_id]:
            if time.monotonic() > deadline:
                raise TimeoutError(f"chat {chat_id}: no answer to {tag}")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.changed.wait(), 1.0)


async def watch_loop_lag(lags: list[float], every_s: float = 0.05) -> None:
    """How late the event loop wakes a sleeper: anything blocking it shows up here."""
    while True:
        started = time.perf_counter()
        await asyncio.sleep(every_s)
        lags.append(time.perf_counter() - started - every_s)


async def user_session(
    user: ChatUser, watch: AnswerWatch, messages: int, latencies: list[float]
) -> None:
    for index in range(1, messages + 1):
        sent = time.monotonic()
        await user.send(question(index))
        await watch.wait(user.chat_id, f"#{index}", timeout=300)
        latencies.append(time.monotonic() - sent)


def doubles(all_messages: list[dict[str, Any]], users: int, messages: int) -> Iterator[str]:
    """Every (chat, tag) answered exactly once; exactly the expected cards per chat."""
    per_chat: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for message in all_messages:
        per_chat[message["chat"]["id"]].append(message)
    # a product question gets its product's card, a request for recommendations two
    cards_each = sum(2 if i % 3 == 0 else 1 for i in range(1, messages + 1))
    for chat in range(FIRST_CHAT, FIRST_CHAT + users):
        sent = per_chat.get(chat, [])
        tags = [m["text"].split(" ", 1)[0] for m in answers(sent)]
        expected = [f"(#{i})" for i in range(1, messages + 1)]
        if sorted(tags) != sorted(expected):
            yield f"chat {chat}: answers {tags}, expected {expected}"
        if len(sent) != messages + cards_each:
            yield f"chat {chat}: {len(sent)} messages, expected {messages + cards_each}"


async def main(users: int, messages: int, delay: float) -> dict[str, Any]:
    emulator = Emulator(limits=True)
    token = new_token()
    settings = TelegramSettings(
        _env_file=None, telegram_token=token, telegram_api_url=emulator.url,
        telegram_webhook_url="", redis_url="", public_url="https://shop.example",
    )
    gateway = build_telegram(ScriptedShop(delay=delay), settings=settings)
    lags: list[float] = []
    latencies: list[float] = []
    try:
        await gateway.start()
        async with httpx.AsyncClient(base_url=emulator.url, timeout=60,
                                     limits=httpx.Limits(max_connections=200)) as http:
            watch = AnswerWatch(http, token)
            background = [asyncio.create_task(watch.run()),
                          asyncio.create_task(watch_loop_lag(lags))]
            people = [ChatUser(http, token, FIRST_CHAT + n) for n in range(users)]
            started = time.monotonic()
            await asyncio.gather(*(user_session(p, watch, messages, latencies) for p in people))
            elapsed = time.monotonic() - started
            # let the last answers' cards out, then give a late double time to show up
            await gateway.services.in_flight.wait_idle(60)
            await gateway.outbox.drain(60)
            await asyncio.sleep(3)
            final = (await http.post("/_kefu/botMessages", json={"token": token})).json()
            for task in background:
                task.cancel()
        problems = list(doubles(final["result"], users, messages))
        stats = gateway.outbox.stats()
        flood = await emulator_stats(emulator.url, token)
    finally:
        await gateway.stop()
        emulator.stop()
    delays = list(stats.queue_delays_s)
    return {
        "users": users,
        "messages_each": messages,
        "updates": users * messages,
        "answered": len(latencies),
        "problems": problems[:10],
        "doubles_or_missing": len(problems),
        "emulator_429s": len(flood["tooManyRequests"]),
        "outbox_429s": stats.rate_limited,
        "telegram_requests": stats.sent,
        "elapsed_s": round(elapsed, 2),
        "updates_per_s": round(users * messages / elapsed, 2),
        "sends_per_s": round(stats.sent / elapsed, 2),
        "queue_delay_s": {
            "p50": round(percentile(delays, 0.5), 3),
            "p95": round(percentile(delays, 0.95), 3),
            "max": round(max(delays, default=float("nan")), 3),
            "mean": round(statistics.fmean(delays), 3) if delays else None,
        },
        "answer_latency_s": {
            "p50": round(percentile(latencies, 0.5), 3),
            "p95": round(percentile(latencies, 0.95), 3),
            "max": round(max(latencies, default=float("nan")), 3),
        },
        "event_loop_lag_ms": {
            "p99": round(1000 * percentile(lags, 0.99), 1),
            "max": round(1000 * max(lags, default=float("nan")), 1),
        },
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=100)
    parser.add_argument("--messages", type=int, default=5)
    parser.add_argument("--delay", type=float, default=0.05, help="seconds between sentences")
    args = parser.parse_args()
    if (missing := emulator_missing()) is not None:
        sys.exit(f"telegram_bench: {missing}")
    report = asyncio.run(main(args.users, args.messages, args.delay))
    print(json.dumps(report, indent=2, ensure_ascii=False))
    ok = report["doubles_or_missing"] == 0 and report["emulator_429s"] == 0
    sys.exit(0 if ok and report["answered"] == report["updates"] else 1)
