"""The simulated Telegram users of bench.telegram_bench, run in a process of their own
so that their HTTP client's work does not count against the bot's event loop."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import defaultdict
from collections.abc import Iterator
from typing import Any

import httpx

from tests.telegram.harness import ChatUser, answers

FIRST_CHAT = 100_000


def question(index: int) -> str:
    """Every third message asks for recommendations (two cards), the others a price (one)."""
    if index % 3 == 0:
        return f"#{index} recommend something similar to the earbuds"
    return f"#{index} how much are the earbuds?"


def cards_expected(messages: int) -> int:
    return sum(2 if i % 3 == 0 else 1 for i in range(1, messages + 1))


class AnswerWatch:
    """One poller for all chats: which tagged answers each chat has received."""

    def __init__(self, http: httpx.AsyncClient, token: str) -> None:
        self.http = http
        self.token = token
        self.seen: dict[int, set[str]] = defaultdict(set)
        self.changed = asyncio.Event()

    async def run(self, every_s: float = 0.25) -> None:
        while True:
            response = await self.http.post("/_kefu/botMessages", json={"token": self.token})
            for message in answers(response.json()["result"]):
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


async def _session(user: ChatUser, watch: AnswerWatch, messages: int, out: list[float]) -> None:
    for index in range(1, messages + 1):
        sent = time.monotonic()
        await user.send(question(index))
        await watch.wait(user.chat_id, f"#{index}", timeout=300)
        out.append(time.monotonic() - sent)


async def _drive(url: str, token: str, users: int, messages: int) -> dict[str, Any]:
    limits = httpx.Limits(max_connections=200)
    async with httpx.AsyncClient(base_url=url, timeout=60, limits=limits) as http:
        watch = AnswerWatch(http, token)
        poller = asyncio.create_task(watch.run())
        people = [ChatUser(http, token, FIRST_CHAT + n) for n in range(users)]
        latencies: list[float] = []
        started = time.monotonic()
        await asyncio.gather(*(_session(p, watch, messages, latencies) for p in people))
        elapsed = time.monotonic() - started
        poller.cancel()
    return {"latencies": latencies, "elapsed": elapsed}


def drive_users(url: str, token: str, users: int, messages: int) -> dict[str, Any]:
    """Each user sends `messages` messages, each after the previous answer arrived."""
    return asyncio.run(_drive(url, token, users, messages))


def problems(all_messages: list[dict[str, Any]], users: int, messages: int) -> Iterator[str]:
    """Every (chat, tag) answered exactly once, and exactly the expected cards per chat."""
    per_chat: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for message in all_messages:
        per_chat[message["chat"]["id"]].append(message)
    for chat in range(FIRST_CHAT, FIRST_CHAT + users):
        sent = per_chat.get(chat, [])
        tags = sorted(m["text"].split(" ", 1)[0] for m in answers(sent))
        expected = sorted(f"(#{i})" for i in range(1, messages + 1))
        if tags != expected:
            yield f"chat {chat}: answers {tags}, expected {expected}"
        wanted = messages + cards_expected(messages)
        if len(sent) != wanted:
            yield f"chat {chat}: {len(sent)} messages, expected {wanted}"
