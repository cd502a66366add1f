"""Revision 0003 (turn index for the inbox's intent filter) on SQLite and PostgreSQL."""

from __future__ import annotations

from alembic import command
from sqlalchemy import Engine, inspect
from sqlmodel import SQLModel

from bot.db_tables import full_metadata
from bot.migrate import alembic_config, head_revision, schema_status, upgrade

INDEX = "ix_turn_conversation_id_intent"


def _turn_indexes(engine: Engine) -> dict[str, list[str | None]]:
    return {
        str(index["name"]): list(index["column_names"])
        for index in inspect(engine).get_indexes("turn")
    }


def _downgrade(engine: Engine, revision: str) -> None:
    with engine.connect() as connection:
        command.downgrade(alembic_config(connection), revision)
        connection.commit()


def test_upgrade_from_0002_adds_the_index_and_downgrade_removes_it(empty_engine: Engine) -> None:
    assert upgrade(empty_engine, "0002").current == "0002"
    assert INDEX not in _turn_indexes(empty_engine)

    assert upgrade(empty_engine).current == head_revision()
    assert _turn_indexes(empty_engine)[INDEX] == ["conversation_id", "intent"]

    _downgrade(empty_engine, "0002")
    assert INDEX not in _turn_indexes(empty_engine)
    assert schema_status(empty_engine).current == "0002"
    assert "ix_turn_conversation_id" in _turn_indexes(empty_engine)  # the others stay

    upgrade(empty_engine)
    assert INDEX in _turn_indexes(empty_engine)


def test_a_database_that_has_the_index_already_is_adopted(empty_engine: Engine) -> None:
    full_metadata()
    SQLModel.metadata.create_all(empty_engine)  # today's models make the index themselves
    assert INDEX in _turn_indexes(empty_engine)
    assert upgrade(empty_engine).current == head_revision()
    assert _turn_indexes(empty_engine)[INDEX] == ["conversation_id", "intent"]
