import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine
from sqlmodel import Session

from dialogue.transcript_tables import Conversation
from dialogue.transcripts import SqlTranscriptStore, TranscriptWriter, TurnRecord
from tests.support.databases import engine_for


@pytest.fixture(params=["sqlite", "postgres"])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    yield from engine_for(request.param, tmp_path)


def record(n: int, conversation: str = "c1", **extra: object) -> TurnRecord:
    return TurnRecord(
        turn_id=f"t{n}",
        conversation_id=conversation,
        message_id=f"m{n}",
        role="user" if n % 2 else "assistant",
        text=f"message {n} 你好",
        **extra,  # type: ignore[arg-type]
    )


async def test_turns_are_written_in_order_with_their_checks(engine: Engine, tmp_path: Path) -> None:
    writer = TranscriptWriter(SqlTranscriptStore(engine), tmp_path / "spool")
    writer.start()
    claims = [{"kind": "price", "value": 299.0, "verdict": "supported", "citation": "EA-1#price"}]
    writer.log(record(1, lang="zh", customer_id=7))
    writer.log(record(2, intent="product_question", claims=claims, latency_ms={"total": 812}))
    await writer.stop()
    turns = SqlTranscriptStore(engine).turns("c1")
    assert [t.id for t in turns] == ["t1", "t2"]
    assert turns[1].claims == claims and turns[1].latency_ms == {"total": 812}
    with Session(engine) as session:
        conversation = session.get(Conversation, "c1")
        assert conversation is not None
        assert (conversation.customer_id, conversation.lang) == (7, "zh")


async def test_writing_the_same_turn_twice_keeps_one(engine: Engine, tmp_path: Path) -> None:
    store = SqlTranscriptStore(engine)
    store.write([record(1)])
    store.write([record(1), record(3)])
    assert [t.id for t in store.turns("c1")] == ["t1", "t3"]


async def test_a_dead_database_spools_and_replays_without_loss(
    engine: Engine, tmp_path: Path
) -> None:
    dead = create_engine(
        "postgresql+psycopg://postgres@127.0.0.1:1/test", connect_args={"connect_timeout": 1}
    )
    store = SqlTranscriptStore(dead)
    writer = TranscriptWriter(store, tmp_path / "spool")
    writer.log(record(1))
    writer.log(record(2))
    await writer.flush()  # must not raise: the reply never waits on the log
    assert writer.spooled == 2
    store.engine = engine  # the database is back
    writer.log(record(3))
    await writer.flush()
    assert writer.spooled == 0
    assert [t.id for t in SqlTranscriptStore(engine).turns("c1")] == ["t1", "t2", "t3"]


async def test_log_never_blocks_even_when_the_queue_is_full(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'x.db'}")
    writer = TranscriptWriter(SqlTranscriptStore(engine), tmp_path / "spool", max_queue=1)
    writer.log(record(1))
    writer.log(record(3))  # queue full: spooled durably instead of dropped
    assert writer.spooled == 1
    await asyncio.sleep(0)
