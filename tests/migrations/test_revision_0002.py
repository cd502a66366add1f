"""Revision 0002 (staff console, message search, two transcript columns) on SQLite and PostgreSQL.

From empty, from 0001 with transcripts in it, after the app's start created some
of its tables, down to 0001 and back up; and the message search works afterwards.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, MetaData, insert, inspect
from sqlmodel import Session, SQLModel, select

from bot.console.review_tables import create_review_tables
from bot.console.staff_tables import StaffMember, create_staff_tables
from bot.db_tables import full_metadata
from bot.migrate import alembic_config, head_revision, include_object, upgrade, upgrade_database
from catalog.db import create_db_engine
from catalog.settings import CatalogSettings
from dialogue.message_search import (
    SearchableTurn,
    count_indexed,
    create_search_tables,
    index_turns,
    search_conversations,
)
from dialogue.transcript_tables import Conversation, Turn, create_transcript_tables

TABLES_0002 = {
    "staff_member",
    "staff_session",
    "audit_entry",
    "conversation_tag",
    "conversation_note",
    "answer_review",
    "turn_search",
}
AT = datetime(2026, 11, 3, 8, 30, tzinfo=UTC)


def _tables(engine: Engine) -> set[str]:
    return set(inspect(engine).get_table_names())


def _columns(engine: Engine, table: str) -> set[str]:
    return {str(column["name"]) for column in inspect(engine).get_columns(table)}


def _search_extras_present(engine: Engine) -> bool:
    if engine.dialect.name == "sqlite":
        return "turn_search_fts" in _tables(engine)
    return "terms_tsv" in _columns(engine, "turn_search")


def _differences(engine: Engine) -> list[str]:
    metadata = full_metadata()
    with engine.connect() as connection:
        opts = {"compare_type": True, "include_object": include_object}
        context = MigrationContext.configure(connection, opts=opts)
        return [str(difference) for difference in compare_metadata(context, metadata)]


def _downgrade(engine: Engine, revision: str) -> None:
    with engine.connect() as connection:
        command.downgrade(alembic_config(connection), revision)
        connection.commit()


def _store_0001_transcript(engine: Engine) -> None:
    """One conversation with three turns, written as kefu 0.1 wrote them (0001's columns)."""
    tables = MetaData()
    tables.reflect(engine, only=["conversation", "turn"])
    conversation, turn = tables.tables["conversation"], tables.tables["turn"]
    turn_defaults = {
        "author": "",
        "lang": "en",
        "intent": "",
        "passages": [],
        "claims": [],
        "citations": [],
        "cards": [],
        "failed_checks": 0,
        "model": "",
        "tokens": 0,
        "latency_ms": {},
        "created_at": AT,
    }
    with engine.begin() as connection:
        connection.execute(
            insert(conversation),
            {
                "id": "c-old",
                "channel": "web",
                "external_user": "visitor-7",
                "lang": "en",
                "owner": "bot",
                "handoff_reason": "",
                "handed_off": False,
                "failed_answers": 0,
                "state": {"cart": ["EA-1"]},
                "started_at": AT,
                "last_activity_at": AT,
            },
        )
        connection.execute(
            insert(turn),
            [
                {**turn_defaults, "conversation_id": "c-old", **row}
                for row in (
                    {"id": "t1", "message_id": "m1", "role": "user", "text": "Is the kettle 降噪?"},
                    {"id": "t2", "message_id": "m2", "role": "assistant", "text": "It is quiet."},
                    {"id": "t3", "message_id": "m3", "role": "system", "text": "kettle note"},
                )
            ],
        )


def _add_turn(engine: Engine, conversation_id: str, turn_id: str, text: str) -> None:
    """Store a turn with today's models and index it, as the transcript store does."""
    with Session(engine) as session:
        if session.get(Conversation, conversation_id) is None:
            session.add(Conversation(id=conversation_id, started_at=AT, last_activity_at=AT))
        session.add(
            Turn(
                id=turn_id,
                conversation_id=conversation_id,
                message_id=turn_id,
                text=text,
                model_error="ModelServerUnavailable",
                created_at=AT,
            )
        )
        session.commit()
    index_turns(engine, [SearchableTurn(turn_id, conversation_id, "user", text, AT)])


def test_upgrade_from_empty_makes_the_console_and_search_tables(empty_engine: Engine) -> None:
    assert upgrade(empty_engine).current == head_revision()
    assert _tables(empty_engine) >= TABLES_0002
    assert "owner_since" in _columns(empty_engine, "conversation")
    assert "model_error" in _columns(empty_engine, "turn")
    assert _search_extras_present(empty_engine)
    assert _differences(empty_engine) == []


def test_transcripts_at_0001_survive_and_become_searchable(empty_engine: Engine) -> None:
    upgrade(empty_engine, "0001")
    assert not _tables(empty_engine) & TABLES_0002
    _store_0001_transcript(empty_engine)

    assert upgrade(empty_engine).current == head_revision()
    with Session(empty_engine) as session:
        conversation = session.get(Conversation, "c-old")
        assert conversation is not None
        assert conversation.owner_since is None
        assert conversation.state == {"cart": ["EA-1"]}
        turns = session.exec(select(Turn).order_by(Turn.id)).all()
    assert [(t.id, t.text, t.model_error) for t in turns] == [
        ("t1", "Is the kettle 降噪?", ""),
        ("t2", "It is quiet.", ""),
        ("t3", "kettle note", ""),
    ]
    # the shopper's and the assistant's turns were indexed; the system note was not
    assert count_indexed(empty_engine) == 2
    assert search_conversations(empty_engine, "kettle") == ["c-old"]
    assert search_conversations(empty_engine, "降噪") == ["c-old"]
    assert search_conversations(empty_engine, "quiet") == ["c-old"]
    assert search_conversations(empty_engine, "note") == []
    assert _differences(empty_engine) == []


def test_message_search_works_after_migrating(empty_engine: Engine) -> None:
    upgrade(empty_engine)
    _add_turn(empty_engine, "c-1", "t-en", "Where is my order A-1001?")
    _add_turn(empty_engine, "c-2", "t-zh", "我想买降噪耳机")
    assert search_conversations(empty_engine, "order a-1001") == ["c-1"]
    assert search_conversations(empty_engine, "耳机") == ["c-2"]
    assert search_conversations(empty_engine, "headphones") == []


def test_tables_the_app_made_at_0001_are_adopted(empty_engine: Engine) -> None:
    """A 0001 database on which `kefu staff add` and the assistant's start made tables."""
    upgrade(empty_engine, "0001")
    _store_0001_transcript(empty_engine)
    create_transcript_tables(empty_engine)
    create_search_tables(empty_engine)
    create_staff_tables(empty_engine)
    create_review_tables(empty_engine)
    with Session(empty_engine) as session:
        session.add(StaffMember(email="li@shop.example", password_hash="argon2id$…"))
        session.commit()

    assert upgrade(empty_engine).current == head_revision()
    with Session(empty_engine) as session:
        emails = session.exec(select(StaffMember.email)).all()
    assert emails == ["li@shop.example"]
    assert search_conversations(empty_engine, "kettle") == ["c-old"]
    assert _differences(empty_engine) == []


def test_a_database_made_by_todays_create_all_is_adopted(empty_engine: Engine) -> None:
    full_metadata()
    SQLModel.metadata.create_all(empty_engine)
    _add_turn(empty_engine, "c-1", "t-1", "refund for the blue jacket")
    assert upgrade(empty_engine).current == head_revision()
    assert count_indexed(empty_engine) == 1
    assert search_conversations(empty_engine, "jacket") == ["c-1"]
    assert _differences(empty_engine) == []


def test_downgrade_to_0001_and_back_keeps_the_transcripts(empty_engine: Engine) -> None:
    upgrade(empty_engine)
    _add_turn(empty_engine, "c-1", "t-1", "Do the headphones fold flat?")

    _downgrade(empty_engine, "0001")
    assert not _tables(empty_engine) & TABLES_0002
    assert not any(name.startswith("turn_search_fts") for name in _tables(empty_engine))
    assert "owner_since" not in _columns(empty_engine, "conversation")
    assert "model_error" not in _columns(empty_engine, "turn")
    with Session(empty_engine) as session:
        assert session.exec(select(Turn.text)).all() == ["Do the headphones fold flat?"]

    assert upgrade(empty_engine).current == head_revision()
    assert search_conversations(empty_engine, "headphones") == ["c-1"]
    assert _differences(empty_engine) == []


def test_kefu_run_start_after_its_upgrade_changes_nothing(tmp_path: Path) -> None:
    """`kefu run` migrates first; the assistant's start and `kefu staff` then create_all."""
    url = f"sqlite:///{tmp_path / 'kefu.db'}"
    assert upgrade_database(CatalogSettings(database_url=url)).up_to_date
    engine = create_db_engine(url)
    try:
        create_transcript_tables(engine)
        create_search_tables(engine)
        create_staff_tables(engine)
        create_review_tables(engine)
        _add_turn(engine, "c-1", "t-1", "退货政策是什么")
        assert search_conversations(engine, "退货") == ["c-1"]
        assert _differences(engine) == []
    finally:
        engine.dispose()
