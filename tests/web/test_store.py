"""One contract for every ConversationStore: in memory, SQLite, PostgreSQL."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from bot.web.events import AnswerEvent, ClosedEvent, SentenceBody, StaffEvent, UserEvent
from bot.web.sql_store import SqlConversationStore
from bot.web.store import ConversationStore, InMemoryConversationStore, UnknownConversation
from catalog.db import create_db_engine
from dialogue.types import Feedback
from tests.support.databases import postgres_engine_in_fresh_schema


def _sqlite(tmp: Path) -> Iterator[Engine]:
    engine = create_db_engine(f"sqlite:///{tmp / 'web.db'}")
    yield engine
    engine.dispose()


@pytest.fixture(params=["memory", "sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def any_store(
    request: pytest.FixtureRequest, tmp_path: Path
) -> AsyncIterator[ConversationStore]:
    if request.param == "memory":
        yield InMemoryConversationStore()
        return
    engines = _sqlite(tmp_path) if request.param == "sqlite" else postgres_engine_in_fresh_schema()
    for engine in engines:
        store = SqlConversationStore(engine)
        store.create_tables()
        yield store


def answer(reply_to: str, turn: str) -> AnswerEvent:
    return AnswerEvent(
        reply_to=reply_to,
        turn_id=turn,
        text="It costs 899 CNY.",
        lang="en",
        sentences=[SentenceBody(text="It costs 899 CNY.")],
    )


async def test_sequence_numbers_are_dense_and_replay_is_exact(any_store: ConversationStore) -> None:
    conv = await any_store.create("demo", "en")
    assert (await any_store.get(conv.id)) == conv and conv.last_seq == 0
    u, created = await any_store.append_user(conv.id, UserEvent(id="m1", text="price?"))
    assert created and u.seq == 1
    a = await any_store.append(conv.id, answer("m1", "t1"))
    s = await any_store.append(conv.id, StaffEvent(text="Hello from Mei", author="Mei"))
    assert (a.seq, s.seq) == (2, 3)
    assert [e.seq for e in await any_store.events(conv.id)] == [1, 2, 3]
    assert [e.seq for e in await any_store.events(conv.id, after_seq=1)] == [2, 3]
    assert [e.seq for e in await any_store.events(conv.id, after_seq=1, limit=1)] == [2]
    got = await any_store.events(conv.id)
    assert got[1] == a and got[2] == s and got[0] == u
    info = await any_store.get(conv.id)
    assert info is not None and info.last_seq == 3


async def test_resent_message_is_stored_once(any_store: ConversationStore) -> None:
    conv = await any_store.create("demo")
    first, created = await any_store.append_user(conv.id, UserEvent(id="dup", text="hello"))
    again, created_again = await any_store.append_user(conv.id, UserEvent(id="dup", text="hello"))
    assert created and not created_again and again == first
    assert len(await any_store.events(conv.id)) == 1


async def test_concurrent_appends_get_distinct_numbers(any_store: ConversationStore) -> None:
    conv = await any_store.create("demo")
    results = await asyncio.gather(
        *(any_store.append_user(conv.id, UserEvent(id=f"m{i}", text="hi")) for i in range(20))
    )
    assert sorted(e.seq for e, _ in results) == list(range(1, 21))


async def test_answers_turns_and_status(any_store: ConversationStore) -> None:
    conv = await any_store.create("demo")
    await any_store.append_user(conv.id, UserEvent(id="m1", text="hi"))
    assert await any_store.answer_to(conv.id, "m1") is None
    stored = await any_store.append(conv.id, answer("m1", "turn-1"))
    assert await any_store.answer_to(conv.id, "m1") == stored
    assert await any_store.has_turn(conv.id, "turn-1")
    assert not await any_store.has_turn(conv.id, "turn-2")
    await any_store.append(conv.id, ClosedEvent(by="shopper"))
    info = await any_store.get(conv.id)
    assert info is not None and info.status == "closed"
    await any_store.append_user(conv.id, UserEvent(id="m2", text="one more"))
    info = await any_store.get(conv.id)
    assert info is not None and info.status == "open"


async def test_feedback_latest_wins(any_store: ConversationStore) -> None:
    conv = await any_store.create("demo")
    await any_store.record_feedback(Feedback(conv.id, turn_id="t1", thumbs="down"))
    await any_store.record_feedback(Feedback(conv.id, turn_id="t1", thumbs="up"))
    await any_store.record_feedback(Feedback(conv.id, turn_id="t2", thumbs="down"))
    await any_store.record_feedback(Feedback(conv.id, csat=2))
    await any_store.record_feedback(Feedback(conv.id, csat=4, comment="quick"))
    got = {(f.turn_id, f.thumbs, f.csat, f.comment) for f in await any_store.feedback(conv.id)}
    assert got == {("t1", "up", None, ""), ("t2", "down", None, ""), (None, None, 4, "quick")}


async def test_customer_and_unknown_conversations(any_store: ConversationStore) -> None:
    conv = await any_store.create("demo", customer_id=None)
    await any_store.set_customer(conv.id, 42)
    info = await any_store.get(conv.id)
    assert info is not None and info.customer_id == 42
    assert await any_store.get("0" * 32) is None
    with pytest.raises(UnknownConversation):
        await any_store.append_user("0" * 32, UserEvent(id="m", text="x"))
    with pytest.raises(UnknownConversation):
        await any_store.events("0" * 32)
    await any_store.ping()


async def test_one_failing_write_does_not_sink_the_others(any_store: ConversationStore) -> None:
    a = await any_store.create("demo")
    b = await any_store.create("demo")
    results = await asyncio.gather(
        any_store.append_user(a.id, UserEvent(id="1", text="x")),
        any_store.append_user("0" * 32, UserEvent(id="2", text="x")),
        any_store.append(b.id, StaffEvent(text="hello")),
        any_store.append_user(a.id, UserEvent(id="1", text="x")),  # a resend in the same batch
        return_exceptions=True,
    )
    assert isinstance(results[1], UnknownConversation)
    first, resent = results[0], results[3]
    assert isinstance(first, tuple) and isinstance(resent, tuple)
    assert first[0].seq == 1 and resent == (first[0], False)
    assert isinstance(results[2], StaffEvent) and results[2].seq == 1
    assert [e.seq for e in await any_store.events(a.id)] == [1]
