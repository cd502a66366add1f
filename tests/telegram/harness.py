"""Driving telegram-test-api from Python: start the emulator, act as users, read what the bot sent.

The emulator is the npm package in tests/telegram/emulator (installed by
`make telegram-emulator`, i.e. `npm ci` there). Without node or the package the
tests skip, except under CI=true, where they fail.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import shutil
import socket
import subprocess
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

EMULATOR_DIR = Path(__file__).parent / "emulator"
Messages = list[dict[str, Any]]


def emulator_missing() -> str | None:
    if shutil.which("node") is None:
        return "node is not installed"
    if not (EMULATOR_DIR / "node_modules" / "telegram-test-api").is_dir():
        return "telegram-test-api is not installed (run `make telegram-emulator`)"
    return None


def require_emulator() -> None:
    reason = emulator_missing()
    if reason is None:
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"the Telegram emulator is required under CI=true: {reason}")
    pytest.skip(reason)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def new_token() -> str:
    """A token in Telegram's shape, unique per test, so tests share one emulator safely."""
    return f"{secrets.randbelow(10**9) + 10**9}:{secrets.token_urlsafe(24)}"


class Emulator:
    """One emulator process (`node start.js`)."""

    def __init__(self, *, limits: bool = True, drafts: bool = False) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        args = ["node", "start.js", "--port", str(self.port)]
        args += ["--limits"] if limits else []
        args += ["--drafts"] if drafts else []
        self.process = subprocess.Popen(
            args, cwd=EMULATOR_DIR, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        assert self.process.stdout is not None
        line = self.process.stdout.readline()  # "READY <port>", or the error
        if not line.startswith("READY"):
            self.stop()
            raise RuntimeError(f"the emulator did not start: {line}")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()


@dataclass
class ChatUser:
    """A Telegram user in one chat of the emulator."""

    http: httpx.AsyncClient
    token: str
    user_id: int
    chat_id: int = 0
    chat_type: str = "private"
    first_name: str = "Li"
    language_code: str = "en"
    _update_ids: list[int] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.chat_id = self.chat_id or self.user_id

    def _sender(self) -> dict[str, Any]:
        return {
            "id": self.user_id,
            "is_bot": False,
            "first_name": self.first_name,
            "username": f"user{self.user_id}",
            "language_code": self.language_code,
        }

    def _chat(self) -> dict[str, Any]:
        chat: dict[str, Any] = {"id": self.chat_id, "type": self.chat_type}
        if self.chat_type == "private":
            chat["first_name"] = self.first_name
        else:
            chat["title"] = "Shoppers"
        return chat

    async def send(self, text: str, **extra: Any) -> None:
        """Send `text`; a leading "/" makes it a command (with its bot_command entity)."""
        body: dict[str, Any] = {
            "botToken": self.token,
            "from": self._sender(),
            "chat": self._chat(),
            "date": int(time.time()),
            "text": text,
            **extra,
        }
        route = "/sendMessage"
        if text.startswith("/"):
            length = len(text.split()[0])
            body["entities"] = [{"offset": 0, "length": length, "type": "bot_command"}]
            route = "/sendCommand"
        response = await self.http.post(route, json=body)
        response.raise_for_status()

    async def press(self, message: dict[str, Any], button_text: str) -> None:
        """Tap the inline button labelled `button_text` (or starting with it) under `message`."""
        data = callback_data(message, button_text)
        body = {
            "botToken": self.token,
            "from": self._sender(),
            "data": data,
            "message": {
                "message_id": message["message_id"],
                "date": message["date"],
                "chat": self._chat(),
            },
        }
        response = await self.http.post("/sendCallback", json=body)
        response.raise_for_status()

    async def _inspect(self, route: str) -> Messages:
        body = {"token": self.token, "chatId": self.chat_id}
        response = await self.http.post(route, json=body)
        response.raise_for_status()
        result: Messages = response.json()["result"]
        return result

    async def bot_messages(self) -> Messages:
        """What the bot sent to this chat, in order, as it looks now (after edits)."""
        return await self._inspect("/_kefu/botMessages")

    async def chat_actions(self) -> Messages:
        return await self._inspect("/_kefu/chatActions")

    async def drafts(self) -> Messages:
        return await self._inspect("/_kefu/drafts")

    async def wait_for(
        self,
        condition: Callable[[Messages], bool],
        *,
        timeout: float = 20.0,
        what: str = "the bot's messages",
    ) -> Messages:
        deadline = time.monotonic() + timeout
        messages = await self.bot_messages()
        while not condition(messages):
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for {what}; bot sent: {messages}")
            await asyncio.sleep(0.1)
            messages = await self.bot_messages()
        return messages

    async def wait_answers(self, count: int, *, timeout: float = 20.0) -> Messages:
        """Wait until `count` final answers (messages with thumbs) are in the chat."""
        found = await self.wait_for(
            lambda ms: len(answers(ms)) >= count, timeout=timeout, what=f"{count} answers"
        )
        return answers(found)

    async def stays_quiet(self, seconds: float, known: int) -> Messages:
        """Assert the bot sends nothing new for `seconds`."""
        await asyncio.sleep(seconds)
        messages = await self.bot_messages()
        assert len(messages) == known, f"the bot should have stayed silent: {messages[known:]}"
        return messages


def buttons(message: dict[str, Any]) -> list[dict[str, Any]]:
    markup = message.get("reply_markup") or {}
    return [button for row in markup.get("inline_keyboard", []) for button in row]


def callback_data(message: dict[str, Any], button_text: str) -> str:
    for button in buttons(message):
        if button["text"].startswith(button_text) and "callback_data" in button:
            return str(button["callback_data"])
    raise AssertionError(f"no button {button_text!r} under {message}")


def answers(messages: Messages) -> Messages:
    """Final answers: the messages carrying thumbs buttons."""
    return [m for m in messages if any(b.get("text") == "👍" for b in buttons(m))]


def body_of(message: dict[str, Any]) -> str:
    return str(message.get("text") or message.get("caption") or "")


async def emulator_stats(url: str, token: str) -> dict[str, Any]:
    async with httpx.AsyncClient(base_url=url) as http:
        response = await http.post("/_kefu/stats", json={"token": token})
        result: dict[str, Any] = response.json()["result"]
        return result


@asynccontextmanager
async def emulator_http(url: str) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=url, timeout=30) as http:
        yield http


async def redis_url_or_skip() -> str:
    """The test Redis (KEFU_TEST_REDIS_URL, default 127.0.0.1:6379); skip if unreachable
    unless CI=true."""
    from redis.asyncio import Redis
    from redis.exceptions import RedisError

    url = os.environ.get("KEFU_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
    client = Redis.from_url(url, socket_connect_timeout=2)
    try:
        await client.ping()
    except (RedisError, OSError) as exc:
        if os.environ.get("CI") == "true":
            pytest.fail(f"Redis at {url} is required under CI=true: {exc}")
        pytest.skip(f"Redis not reachable at {url}")
    finally:
        await client.aclose()
    return url


async def delete_redis_prefix(url: str, prefix: str) -> None:
    from redis.asyncio import Redis

    client = Redis.from_url(url)
    try:
        keys = [key async for key in client.scan_iter(match=f"{prefix}:*")]
        if keys:
            await client.delete(*keys)
    finally:
        await client.aclose()
