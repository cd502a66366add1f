"""The gateway core without a transport: exactly-once turns, ordering, store failures."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from bot.web.events import UserEvent
from bot.web.gateway import Gateway
from bot.web.products import InMemoryProductLookup
from bot.web.sql_store import SqlConversationStore
from bot.web.store import ConversationStore, InMemoryConversationStore, StoreError
from catalog.db import create_db_engine
from tests.web.conftest import PRODUCTS
from tests.web.scripted import ScriptedDialogueManager


class Sink:
    def __init__(self) -> None:
        self.frames: list[dict[str, object]] = []

    def deliver(self, frame: str) -> None:
        self.frames.append(json.loads(frame))


@pytest.fixture(params=["memory", "sqlite"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> ConversationStore:
    if request.param == "memory":
        return InMemoryConversationStore()
    sql = SqlConversationStore(create_db_engine(f"sqlite:///{tmp_path / 'g.db'}"))
    sql.create_tables()
    return sql


async def test_racing_resends_start_one_turn(store: ConversationStore) -> None:
    manager = ScriptedDialogueManager(PRODUCTS, delay=0.01)
    gateway = Gateway(manager, store, InMemoryProductLookup(PRODUCTS))
    conv = await gateway.start("demo", "en", None)
    sink = Sink()
    room = await gateway.attach(conv.id, sink, 0)
    message = UserEvent(id="same", text="price?")
    results = await asyncio.gather(*(gateway.ask(conv, message) for _ in range(6)))
    assert len({answer.seq for _, answer in results}) == 1
    assert len(manager.calls) == 1
    seqs = [f["seq"] for f in sink.frames if "seq" in f]
    assert seqs == [1, 2]  # each logged event published once, in order
    assert room.subscribers == {sink}


async def test_turns_of_one_conversation_run_in_order() -> None:
    manager = ScriptedDialogueManager(PRODUCTS, delay=0.005)
    gateway = Gateway(manager, InMemoryConversationStore(), InMemoryProductLookup(PRODUCTS))
    conv = await gateway.start("demo", "en", None)
    sink = Sink()
    _room = await gateway.attach(conv.id, sink, 0)
    subs = [await gateway.submit(conv, UserEvent(id=f"m{i}", text="hi")) for i in range(4)]
    await asyncio.gather(*(s.turn.done for s in subs if s.turn))
    answers = [f["reply_to"] for f in sink.frames if f.get("type") == "answer"]
    assert answers == ["m0", "m1", "m2", "m3"]


async def test_a_timeout_ends_in_an_apology() -> None:
    manager = ScriptedDialogueManager(PRODUCTS, delay=5)
    gateway = Gateway(
        manager, InMemoryConversationStore(), InMemoryProductLookup(PRODUCTS), turn_timeout_s=0.05
    )
    conv = await gateway.start("demo", "zh", None)
    _, answer = await gateway.ask(conv, UserEvent(id="slow", text="有货吗"))
    assert answer.intent == "error" and answer.text.startswith("抱歉")


async def test_an_answer_still_reaches_the_shopper_when_logging_it_fails() -> None:
    class FailingAnswers(InMemoryConversationStore):
        async def append(self, conversation_id, event):
            raise StoreError("disk full")

    gateway = Gateway(
        ScriptedDialogueManager(PRODUCTS), FailingAnswers(), InMemoryProductLookup(PRODUCTS)
    )
    conv = await gateway.start("demo", "en", None)
    sink = Sink()
    _room = await gateway.attach(conv.id, sink, 0)
    _, answer = await gateway.ask(conv, UserEvent(id="m", text="price?"))
    assert answer.seq == 0 and answer.text
    assert [f["type"] for f in sink.frames][-1] == "answer"


async def test_shutdown_cancels_running_turns() -> None:
    manager = ScriptedDialogueManager(PRODUCTS, delay=5)
    gateway = Gateway(manager, InMemoryConversationStore(), InMemoryProductLookup(PRODUCTS))
    conv = await gateway.start("demo", "en", None)
    sub = await gateway.submit(conv, UserEvent(id="m", text="hi"))
    await asyncio.sleep(0.01)
    await gateway.shutdown()
    assert sub.turn is not None and sub.turn.done.cancelled()
