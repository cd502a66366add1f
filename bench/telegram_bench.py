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
import json
import multiprocessing
import statistics
import sys
import time
from collections import deque
from concurrent.futures import ProcessPoolExecutor
from typing import Any

import httpx

from bench.telegram_load import drive_users, problems
from bot.telegram.gateway import build_telegram
from bot.telegram.settings import TelegramSettings
from tests.telegram.harness import Emulator, emulator_missing, emulator_stats, new_token
from tests.telegram.scripted import ScriptedShop


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def peak_per_second(messages: list[dict[str, Any]]) -> int:
    """The most sends (messages and edits, as the emulator timed them) within one second."""
    stamps = sorted(t for m in messages for t in [m["time"], *m["editTimes"]])
    window: deque[int] = deque()
    peak = 0
    for stamp in stamps:
        window.append(stamp)
        while window[0] <= stamp - 1000:
            window.popleft()
        peak = max(peak, len(window))
    return peak


async def watch_loop_lag(lags: list[float], every_s: float = 0.05) -> None:
    """How late the event loop wakes a sleeper: anything blocking it shows up here."""
    while True:
        started = time.perf_counter()
        await asyncio.sleep(every_s)
        lags.append(time.perf_counter() - started - every_s)


async def main(users: int, messages: int, delay: float) -> dict[str, Any]:
    emulator = Emulator(limits=True)
    token = new_token()
    settings = TelegramSettings(
        _env_file=None,
        telegram_token=token,
        telegram_api_url=emulator.url,
        telegram_webhook_url="",
        redis_url="",
        public_url="https://shop.example",
    )
    gateway = build_telegram(ScriptedShop(delay=delay), settings=settings)
    lags: list[float] = []
    try:
        await gateway.start()
        lag_watch = asyncio.create_task(watch_loop_lag(lags))
        with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
            load = asyncio.get_running_loop().run_in_executor(
                pool, drive_users, emulator.url, token, users, messages
            )
            driven = await load
            lag_watch.cancel()  # before the pool's shutdown, which joins its process
        latencies, elapsed = driven["latencies"], driven["elapsed"]
        # let the last answers' cards out, then give a late double time to show up
        await gateway.services.in_flight.wait_idle(60)
        await gateway.outbox.drain(60)
        await asyncio.sleep(3)
        async with httpx.AsyncClient(base_url=emulator.url, timeout=60) as http:
            response = await http.post("/_kefu/botMessages", json={"token": token})
            final = response.json()
        found = list(problems(final["result"], users, messages))
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
        "problems": found[:10],
        "doubles_or_missing": len(found),
        "emulator_429s": len(flood["tooManyRequests"]),
        "outbox_429s": stats.rate_limited,
        "telegram_requests": stats.sent,
        "elapsed_s": round(elapsed, 2),
        "updates_per_s": round(users * messages / elapsed, 2),
        # as the emulator saw them: message and edit times (ms), busiest one-second window
        "peak_sends_in_1s": peak_per_second(final["result"]),
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
