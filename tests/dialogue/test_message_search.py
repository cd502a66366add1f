"""Message search over transcripts, on SQLite (FTS5) and PostgreSQL (tsvector + GIN)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, delete, func, select, text

from dialogue.message_search import (
    TURN_SEARCH,
    SearchableTurn,
    count_indexed,
    create_search_tables,
    forget_conversations,
    index_turns,
    reindex_all,
    search_conversations,
)
from dialogue.transcript_tables import Conversation, Turn
from dialogue.transcripts import SqlTranscriptStore, TranscriptWriter, TurnRecord
from tests.support.databases import engine_for

START = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)

# conversation -> its messages (role, text); later conversations are more recent
TRANSCRIPTS = {
    "c-old": [
        ("user", "我想买降噪耳机，预算500元"),
        ("assistant", "推荐 Sonvale Aria 主动降噪头戴式无线耳机"),
    ],
    "c-mid": [
        ("user", "Where is my order A-1001? The tracking number is SF1234567890"),
        ("assistant", "Your parcel left the warehouse yesterday."),
        ("staff", "I have refunded the shipping fee."),
    ],
    "c-new": [
        ("user", "Do the noise cancelling headphones fold flat?"),
        ("assistant", "Yes, they fold flat into the hard case. 降噪效果很好"),
        ("system", "handoff requested: secret system note"),
    ],
}


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    yield from engine_for(request.param, tmp_path)


def store_transcripts(engine: Engine) -> None:
    """Write the transcripts through the transcript store, which indexes what it writes."""
    store = SqlTranscriptStore(engine)
    n = 0
    for c, (conversation, messages) in enumerate(TRANSCRIPTS.items()):
        for role, message in messages:
            n += 1
            at = START + timedelta(days=c, minutes=n)
            store.write(
                [
                    TurnRecord(
                        f"t{n}", conversation, f"m{n}", role, message, created_at=at.isoformat()
                    )
                ]
            )


@pytest.fixture
def shop(engine: Engine) -> Engine:
    store_transcripts(engine)
    return engine


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("降噪", ["c-new", "c-old"]),  # most recent first
        ("降噪耳机", ["c-old"]),  # jieba splits the compound; both words in one message
        ("耳机", ["c-old"]),
        ("HEADPHONES", ["c-new"]),  # case folded
        ("headphone", ["c-new"]),  # plural folded
        ("fold flat hard case", ["c-new"]),  # every word of a phrase must match
        ("flat refunded", []),  # all terms in one message, not spread over a conversation
        ("refunded shipping", ["c-mid"]),  # staff messages are searchable
        ("SF1234567890", ["c-mid"]),
        ("A-1001", ["c-mid"]),
        ("预算 500", ["c-old"]),
        ("secret", []),  # system turns are not searched
        ("bicycle", []),
        ("?!… ，。", []),  # punctuation only: no term, no match
        ("", []),
    ],
)
def test_search(shop: Engine, query: str, expected: list[str]) -> None:
    assert search_conversations(shop, query, limit=10, offset=0) == expected


@pytest.mark.parametrize(
    "query",
    [
        '" OR 1=1 --',
        "'; DROP TABLE turn_search; --",
        "headphones*",
        "^fold",
        "terms:fold",
        "fold NEAR flat",
        "NEAR(fold flat)",
        "fold AND NOT flat",
        'fold" OR "bicycle',
        "\\' & ! | :* <->",
    ],
)
def test_query_syntax_is_plain_text(shop: Engine, query: str) -> None:
    found = search_conversations(shop, query, limit=10)
    assert found in ([], ["c-new"])  # at most the words it holds, never syntax
    assert count_indexed(shop) == 7  # nothing dropped


def test_syntax_words_are_words(engine: Engine) -> None:
    store = SqlTranscriptStore(engine)
    store.write([TurnRecord("t1", "c1", "m1", "user", "is NEAR field communication supported?")])
    store.write([TurnRecord("t2", "c2", "m2", "user", "field trip")])
    assert search_conversations(engine, "near field", limit=5) == ["c1"]
    assert search_conversations(engine, "NEAR", limit=5) == ["c1"]


def test_limit_and_offset_page_through_the_results(shop: Engine) -> None:
    assert search_conversations(shop, "降噪", limit=1) == ["c-new"]
    assert search_conversations(shop, "降噪", limit=1, offset=1) == ["c-old"]
    assert search_conversations(shop, "降噪", limit=1, offset=2) == []
    with pytest.raises(ValueError):
        search_conversations(shop, "降噪", limit=0)


def test_forget_conversations_removes_them_from_the_index(shop: Engine) -> None:
    assert forget_conversations(shop, ["c-new", "c-new", "unknown"]) == 2
    assert search_conversations(shop, "降噪", limit=10) == ["c-old"]
    assert search_conversations(shop, "fold", limit=10) == []
    assert forget_conversations(shop, []) == 0


def test_reindex_all_rebuilds_from_the_turns(shop: Engine) -> None:
    with shop.begin() as connection:
        connection.execute(delete(TURN_SEARCH))
    assert search_conversations(shop, "降噪", limit=10) == []
    assert reindex_all(shop, batch_size=2) == 7
    assert count_indexed(shop) == 7
    assert search_conversations(shop, "降噪", limit=10) == ["c-new", "c-old"]
    assert reindex_all(shop) == 7  # again: replaced, not doubled
    assert search_conversations(shop, "fold flat", limit=10) == ["c-new"]


def test_indexing_a_turn_again_replaces_it(shop: Engine) -> None:
    with shop.connect() as connection:
        first = connection.execute(select(Turn).where(Turn.id == "t6")).one()  # type: ignore[arg-type]
    again = SearchableTurn("t6", "c-new", "user", "now about bicycles", first.created_at)
    assert index_turns(shop, [again]) == 1
    assert search_conversations(shop, "bicycle", limit=10) == ["c-new"]
    assert search_conversations(shop, "fold", limit=10) == ["c-new"]  # t7 still says it
    assert count_indexed(shop) == 7


def test_a_replayed_turn_is_not_indexed_twice(engine: Engine) -> None:
    store = SqlTranscriptStore(engine)
    record = TurnRecord("t1", "c1", "m1", "user", "where is my parcel")
    store.write([record])
    store.write([record])
    assert count_indexed(engine) == 1


def test_a_failing_index_costs_no_turn(engine: Engine, caplog: pytest.LogCaptureFixture) -> None:
    if engine.dialect.name == "sqlite":
        drop = "DROP TABLE turn_search_fts"  # the insert trigger now fails
    else:
        drop = "DROP TABLE turn_search"
    with engine.begin() as connection:
        connection.execute(text(drop))
    store = SqlTranscriptStore(engine)
    store.write([TurnRecord("t1", "c1", "m1", "user", "where is my parcel")])
    assert [turn.id for turn in store.turns("c1")] == ["t1"]
    assert "indexing 1 turns for message search failed" in caplog.text


async def test_the_transcript_writer_indexes_what_it_writes(engine: Engine, tmp_path: Path) -> None:
    writer = TranscriptWriter(SqlTranscriptStore(engine), tmp_path / "spool")
    writer.start()
    writer.log(TurnRecord("t1", "c1", "m1", "user", "退货要几天？"))
    writer.log(TurnRecord("t2", "c1", "m2", "assistant", "7天无理由退货"))
    await writer.stop()
    assert search_conversations(engine, "退货", limit=5) == ["c1"]
    with engine.connect() as connection:
        conversations = connection.execute(select(func.count()).select_from(Conversation)).scalar()
    assert conversations == 1


def test_create_search_tables_completes_an_existing_table(engine: Engine) -> None:
    create_search_tables(engine)  # everything exists already: a no-op
    store_transcripts(engine)
    assert search_conversations(engine, "耳机", limit=5) == ["c-old"]
