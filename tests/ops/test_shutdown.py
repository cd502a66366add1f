"""Graceful shutdown: answers in flight finish within the grace period, then the rest stop."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx

from bot.web.events import UserEvent
from bot.web.gateway import Gateway
from bot.web.products import InMemoryProductLookup
from bot.web.store import InMemoryConversationStore
from tests.web.conftest import PRODUCTS
from tests.web.scripted import ScriptedDialogueManager

ROOT = Path(__file__).resolve().parents[2]


async def test_a_running_turn_finishes_within_the_grace_period() -> None:
    manager = ScriptedDialogueManager(PRODUCTS, delay=0.05)
    store = InMemoryConversationStore()
    gateway = Gateway(manager, store, InMemoryProductLookup(PRODUCTS))
    conv = await gateway.start("demo", "en", None)
    sub = await gateway.submit(conv, UserEvent(id="m", text="hi"))
    await asyncio.sleep(0.01)
    await gateway.shutdown(grace_s=10)
    assert gateway.draining
    assert sub.turn is not None and not sub.turn.done.cancelled()
    answer = sub.turn.done.result()
    assert answer.text and await store.answer_to(conv.id, "m") is not None


async def test_a_turn_longer_than_the_grace_period_is_cancelled_after_it() -> None:
    gateway = Gateway(
        ScriptedDialogueManager(PRODUCTS, delay=30),
        InMemoryConversationStore(),
        InMemoryProductLookup(PRODUCTS),
    )
    conv = await gateway.start("demo", "en", None)
    sub = await gateway.submit(conv, UserEvent(id="m", text="hi"))
    started = time.monotonic()
    await gateway.shutdown(grace_s=0.2)
    waited = time.monotonic() - started
    assert 0.2 <= waited < 5
    assert sub.turn is not None and sub.turn.done.cancelled()
    assert gateway.turns_in_flight == 0


SERVER = """
import asyncio, sys
from pathlib import Path
from bot.cli_run import _keep_running_after_sigterm
from bot.logs import configure_logging
from bot.web import WebSettings, create_app
from bot.web.app import serve_async
from bot.web.products import InMemoryProductLookup
from bot.web.ratelimit import MemoryRateLimiter
from bot.web.store import InMemoryConversationStore
from tests.web.conftest import PRODUCTS
from tests.web.scripted import ScriptedDialogueManager

async def main(port: int, marker: Path) -> None:
    settings = WebSettings(port=port, redis_url="", shutdown_grace_s=10)
    manager = ScriptedDialogueManager(PRODUCTS, delay=0.4)
    app = create_app(manager, InMemoryConversationStore(), InMemoryProductLookup(PRODUCTS),
                     settings, rate_limiter=MemoryRateLimiter())
    _keep_running_after_sigterm()
    try:
        await serve_async(app, settings, port=port)
    finally:
        marker.write_text("cleanup ran")  # where kefu run stops Telegram and flushes transcripts

configure_logging()
asyncio.run(main(int(sys.argv[1]), Path(sys.argv[2])))
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_sigterm_lets_an_answer_being_made_finish_then_cleans_up(tmp_path: Path) -> None:
    port, marker = _free_port(), tmp_path / "marker"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "KEFU_LOG_FORMAT": "json"}
    server = subprocess.Popen(
        [sys.executable, "-c", SERVER, str(port), str(marker)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert server.poll() is None and time.monotonic() < deadline, "server did not start"
            time.sleep(0.1)
        conversation = httpx.post(f"{base}/api/conversations", json={"shop": "demo"}).json()
        url = f"{base}/api/conversations/{conversation['conversation_id']}/messages"
        replies: list[httpx.Response] = []
        asking = threading.Thread(
            target=lambda: replies.append(
                httpx.post(url, json={"id": "m1", "text": "price?"}, timeout=30)
            )
        )
        asking.start()
        time.sleep(0.3)  # the answer is being made: its sentences take 0.4 s each
        server.send_signal(signal.SIGTERM)
        asking.join(30)
        output, _ = server.communicate(timeout=30)
    finally:
        if server.poll() is None:
            server.kill()
    assert replies and replies[0].status_code == 200, output
    assert replies[0].json()["answer"]["text"]
    assert server.returncode == 0, output
    assert marker.read_text() == "cleanup ran"
    assert '"message": "SIGTERM: answers in flight finish' in output
