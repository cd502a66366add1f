"""Handoff across two `kefu run` processes sharing PostgreSQL and Redis.

The shopper's socket is on replica B; the staff member works on replica A. Taking
over on A silences the bot on B, A's reply reaches the shopper on B, the shopper's
words reach A's console live, and handing back on A lets B's bot answer again.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import websockets
from sqlalchemy import Engine, text

from bot.console.staff_store import add_staff
from tests.support.databases import postgres_engine_in_fresh_schema, postgres_url
from tests.support.kefu_process import KefuServer, build_tiny_models, kefu_run

REDIS_URL = os.environ.get("KEFU_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
PASSWORD = "a long enough staff password"
AGENT = "li@shop.example"


def _redis_or_skip() -> None:
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.RedisError as exc:
        if os.environ.get("CI") == "true":
            pytest.fail(f"Redis at {REDIS_URL} is required under CI=true: {exc}")
        pytest.skip(f"Redis not reachable at {REDIS_URL}")


@pytest.fixture(scope="module")
def pg() -> Iterator[Engine]:
    yield from postgres_engine_in_fresh_schema()


@pytest.fixture(scope="module")
def replicas(
    tmp_path_factory: pytest.TempPathFactory, pg: Engine
) -> Iterator[tuple[KefuServer, KefuServer]]:
    _redis_or_skip()
    tmp = tmp_path_factory.mktemp("replicas")
    models = build_tiny_models(tmp / "models")
    with pg.connect() as connection:
        schema = connection.execute(text("select current_schema()")).scalar_one()
    # the processes see only the test's own schema, never the database's public one
    url = f"{postgres_url()}?options=-csearch_path%3D{schema}"
    # a small burst, so that the test can show the two replicas count one conversation's
    # messages together
    shared = {
        "KEFU_DATABASE_URL": url,
        "KEFU_REDIS_URL": REDIS_URL,
        "KEFU_WEB_SESSION_BURST": "5",
        "KEFU_WEB_SESSION_PER_MINUTE": "6",
    }
    # A migrates, loads the demo shop and publishes the index; B starts on what A made.
    with kefu_run(tmp / "data", models, **shared) as first:
        add_staff(pg, AGENT, PASSWORD, role="agent", name="Li")
        with kefu_run(tmp / "data", models, **shared) as second:
            yield first, second


@pytest.fixture
async def staff_on_a(replicas: tuple[KefuServer, KefuServer]) -> AsyncIterator[httpx.AsyncClient]:
    first, _ = replicas
    async with httpx.AsyncClient(base_url=first.url, timeout=30) as client:
        page = await client.get("/console/login")
        token = re.search(r'name="login_csrf" value="([^"]+)"', page.text)
        assert token, page.text[:500]
        done = await client.post(
            "/console/login",
            data={"email": AGENT, "password": PASSWORD, "login_csrf": token.group(1)},
        )
        assert done.status_code in (200, 303), done.text[:500]
        inbox = await client.get("/console")
        csrf = re.search(r'name="csrf-token" content="([^"]+)"', inbox.text)
        assert csrf, inbox.text[:500]
        client.headers["X-CSRF-Token"] = csrf.group(1)
        yield client


class Shopper:
    def __init__(self, socket: Any) -> None:
        self.socket = socket
        self.events: list[dict[str, Any]] = []
        self.cid = ""

    async def hello(self, resume: str = "", last_seq: int = 0) -> dict[str, Any]:
        frame = {"type": "hello", "shop": "demo", "locale": "en", "last_seq": last_seq}
        if resume:
            frame["conversation_id"] = resume
        await self.socket.send(json.dumps(frame))
        ready = await self.until(lambda f: f.get("type") == "ready")
        self.cid = ready["conversation_id"]
        return ready

    async def say(self, message_id: str, text: str) -> dict[str, Any]:
        await self.socket.send(json.dumps({"type": "message", "id": message_id, "text": text}))
        return await self.until(lambda f: f.get("type") == "answer" and f["reply_to"] == message_id)

    async def until(self, wanted: Any, timeout: float = 60) -> dict[str, Any]:
        async with asyncio.timeout(timeout):
            while True:
                frame = json.loads(await self.socket.recv())
                self.events.append(frame)
                if wanted(frame):
                    return frame


async def test_staff_on_one_replica_shopper_on_the_other(
    replicas: tuple[KefuServer, KefuServer], staff_on_a: httpx.AsyncClient
) -> None:
    first, second = replicas
    console_url = first.url.replace("http", "ws") + "/console/ws"
    cookie = "; ".join(f"{k}={v}" for k, v in staff_on_a.cookies.items())
    async with (
        websockets.connect(second.url.replace("http", "ws") + "/ws") as widget,
        websockets.connect(
            console_url, additional_headers={"Cookie": cookie, "Origin": first.url}
        ) as console,
    ):
        shopper = Shopper(widget)
        await shopper.hello()
        asked = await shopper.say("m1", "I want to talk to a human please")
        assert asked["owner"] == "waiting" and asked["handed_off"]

        taken = await staff_on_a.post(f"/console/c/{shopper.cid}/take-over")
        assert taken.status_code == 200, taken.text
        silent = await shopper.say("m2", "Hello? Is anyone there?")
        assert silent["text"] == "" and silent["owner"] == "staff"  # the bot on B said nothing

        heard = await _console_until(
            console, lambda e: e["kind"] == "message" and "anyone there" in e["text"]
        )
        assert heard["conversation_id"] == shopper.cid and heard["role"] == "user"

        reply = await staff_on_a.post(
            f"/console/c/{shopper.cid}/reply", data={"text": "Li here, how can I help?"}
        )
        assert reply.status_code == 200 and reply.json()["delivered"] == "web"
        staff_frame = await shopper.until(lambda f: f.get("type") == "staff")
        assert staff_frame["text"] == "Li here, how can I help?" and staff_frame["author"] == "Li"

        back = await staff_on_a.post(f"/console/c/{shopper.cid}/hand-back")
        assert back.json()["owner"] == "bot"
        answer = await shopper.say("m3", "How much are the Sonvale Aria headphones?")
        assert answer["text"] and answer["owner"] == "bot"

    seqs = [f["seq"] for f in shopper.events if "seq" in f]
    assert seqs == sorted(set(seqs))  # nothing shown twice, nothing out of order


async def _console_until(console: Any, wanted: Any, timeout: float = 30) -> dict[str, Any]:
    async with asyncio.timeout(timeout):
        while True:
            event = json.loads(await console.recv())
            if wanted(event):
                return event


async def test_a_socket_moved_to_the_other_replica_loses_nothing(
    replicas: tuple[KefuServer, KefuServer],
) -> None:
    first, second = replicas
    async with websockets.connect(_ws(second)) as widget:
        on_b = Shopper(widget)
        await on_b.hello()
        await on_b.say("r1", "Do you have headphones?")
    seen_on_b = [f for f in on_b.events if "seq" in f]
    async with websockets.connect(_ws(first)) as widget:
        on_a = Shopper(widget)
        ready = await on_a.hello(resume=on_b.cid, last_seq=1)  # it had shown only the first
        assert ready["resumed"] and ready["conversation_id"] == on_b.cid
        answer = await on_a.until(lambda f: f.get("type") == "answer")
        second_answer = await on_a.say("r2", "And earbuds?")
    replayed = [f for f in on_a.events if "seq" in f and f["seq"] <= seen_on_b[-1]["seq"]]
    assert [f["seq"] for f in replayed] == [f["seq"] for f in seen_on_b[1:]]
    assert answer == seen_on_b[-1]
    assert second_answer["seq"] > answer["seq"]


async def test_rate_limits_are_shared_between_replicas(
    replicas: tuple[KefuServer, KefuServer],
) -> None:
    first, second = replicas
    async with (
        websockets.connect(_ws(first)) as on_a,
        websockets.connect(_ws(second)) as on_b,
    ):
        a, b = Shopper(on_a), Shopper(on_b)
        await a.hello()
        await b.hello(resume=a.cid)
        for i in range(5):  # the burst, spent half on each replica
            shopper = a if i % 2 else b
            await shopper.socket.send(
                json.dumps({"type": "message", "id": f"burst-{i}", "text": f"hello {i}"})
            )
            await shopper.until(lambda f, i=i: f.get("type") == "user" and f["id"] == f"burst-{i}")
        await a.socket.send(json.dumps({"type": "message", "id": "one-too-many", "text": "hi"}))
        refused = await a.until(lambda f: f.get("type") == "error")
        assert refused["code"] == "rate_limited" and refused["reply_to"] == "one-too-many"


def test_the_log_of_both_replicas_is_clean(replicas: tuple[KefuServer, KefuServer]) -> None:
    for server in replicas:
        log = Path(server.log).read_text()
        assert "Traceback" not in log, log[-3000:]


async def test_a_replica_killed_mid_turn_loses_no_logged_turn(
    replicas: tuple[KefuServer, KefuServer], pg: Engine
) -> None:
    """SIGKILL while a message is being answered: the other replica answers its resend."""
    first, second = replicas
    async with websockets.connect(_ws(second)) as widget:
        shopper = Shopper(widget)
        await shopper.hello()
        await widget.send(json.dumps({"type": "message", "id": "k1", "text": "Is it in stock?"}))
        await shopper.until(lambda f: f.get("type") == "user" and f["id"] == "k1")  # logged
        second.process.send_signal(signal.SIGKILL)
        second.process.wait(10)
    async with websockets.connect(_ws(first)) as widget:
        again = Shopper(widget)
        await again.hello(resume=shopper.cid, last_seq=1)
        answer = await again.say("k1", "Is it in stock?")  # the widget resends what it sent
    assert answer["reply_to"] == "k1" and answer["text"]
    roles = await _roles_logged(pg, shopper.cid, until="assistant")
    assert roles.count("user") == 1 and "assistant" in roles


async def _roles_logged(pg: Engine, conversation_id: str, *, until: str) -> list[str]:
    """The transcript's roles, once `until` is among them (transcripts are written behind)."""
    roles: list[str] = []
    for _ in range(100):
        with pg.connect() as connection:
            roles = list(
                connection.execute(
                    text("select role from turn where conversation_id = :c"),
                    {"c": conversation_id},
                ).scalars()
            )
        if until in roles:
            break
        await asyncio.sleep(0.1)
    return roles


def _ws(server: KefuServer) -> str:
    return server.url.replace("http", "ws") + "/ws"
