"""Alembic migrations on SQLite and the real PostgreSQL: from empty, adopting, and in step.

Writing the next revision (after adding or changing a table)::

    KEFU_DATABASE_URL=sqlite:////tmp/rev.db kefu db upgrade
    .venv/bin/python -c "from alembic import command; from bot.migrate import alembic_config; \
command.revision(alembic_config(), message='what changed', autogenerate=True, rev_id='0002')"

then read the file it wrote in bot/migrations/versions/ (replace sqlmodel's AutoString by
sa.String and UTCDateTime by sa.DateTime(timezone=True)), and run these tests. A revision
whose tables other code also creates with `create_all` should create only what is missing,
as 0001 does, so that databases made that way are adopted.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, inspect, text
from sqlmodel import Session, SQLModel, select
from typer.testing import CliRunner

from bot.cli import app
from bot.db_tables import full_metadata, table_modules
from bot.migrate import VERSION_TABLE, head_revision, include_object, schema_status, upgrade
from catalog.db import init_schema
from catalog.models import Product
from tests.support.databases import postgres_engine_in_fresh_schema

# The tables revision 0001 creates: every table of kefu 0.1.
TABLES_0001 = {
    "analytics_card_click",
    "conversation",
    "customer",
    "documentpassage",
    "order",
    "orderitem",
    "product",
    "productpassage",
    "turn",
    "web_conversation",
    "web_event",
    "web_feedback",
}
ANALYTICS_INDEXES = {
    "ix_analytics_conversation_customer",
    "ix_analytics_turn_conversation_role",
    "ix_analytics_order_customer_time",
    "ix_analytics_order_time_total",
    "ix_analytics_orderitem_order_sku",
}


def _tables(engine: Engine) -> set[str]:
    return set(inspect(engine).get_table_names())


def _indexes(engine: Engine) -> set[str]:
    inspector = inspect(engine)
    return {
        str(index["name"])
        for table in inspector.get_table_names()
        for index in inspector.get_indexes(table)
    }


def test_upgrade_from_empty_creates_every_table_and_records_the_revision(
    empty_engine: Engine,
) -> None:
    assert schema_status(empty_engine).current is None
    status = upgrade(empty_engine)
    assert status.current == head_revision()
    assert status.up_to_date
    assert _tables(empty_engine) >= TABLES_0001 | {VERSION_TABLE}
    assert _indexes(empty_engine) >= ANALYTICS_INDEXES
    # a second upgrade is a no-op
    assert upgrade(empty_engine).current == head_revision()


def test_a_create_all_database_is_adopted_with_its_data(empty_engine: Engine) -> None:
    full_metadata()
    SQLModel.metadata.create_all(empty_engine)
    with Session(empty_engine) as session:
        session.add(Product(sku="EA-1", title="kettle", price=199.0))
        session.commit()
    before = schema_status(empty_engine)
    assert before.current is None and before.legacy_tables >= len(TABLES_0001)

    assert upgrade(empty_engine).current == head_revision()
    with Session(empty_engine) as session:
        assert session.exec(select(Product.title)).all() == ["kettle"]


def test_a_partial_create_all_database_gets_the_missing_tables_and_indexes(
    empty_engine: Engine,
) -> None:
    init_schema(empty_engine)  # what `kefu ingest` makes: the catalog's tables only
    assert "turn" not in _tables(empty_engine)
    upgrade(empty_engine)
    assert _tables(empty_engine) >= TABLES_0001
    assert _indexes(empty_engine) >= ANALYTICS_INDEXES


def test_the_migrated_schema_matches_the_models(empty_engine: Engine) -> None:
    upgrade(empty_engine)
    metadata = full_metadata()
    with empty_engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "include_object": include_object}
        )
        differences = compare_metadata(context, metadata)
    assert not differences, "a migration revision is missing:\n" + "\n".join(
        str(d) for d in differences
    )


def test_every_table_module_is_found() -> None:
    modules = table_modules()
    for expected in (
        "catalog.models",
        "dialogue.transcript_tables",
        "bot.web.sql_store",
        "analytics.events",
    ):
        assert expected in modules
    assert set(full_metadata().tables) >= TABLES_0001


@pytest.fixture
def postgres_engine() -> Iterator[Engine]:
    yield from postgres_engine_in_fresh_schema()


@pytest.mark.postgres
def test_replicas_upgrading_together_migrate_once(postgres_engine: Engine) -> None:
    results: list[str | None] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            results.append(upgrade(postgres_engine).current)
        except BaseException as exc:  # collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert results == [head_revision()] * 3
    with postgres_engine.connect() as connection:
        rows = connection.execute(text(f"select version_num from {VERSION_TABLE}")).all()
    assert [r[0] for r in rows] == [head_revision()]


def test_kefu_db_current_and_upgrade(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KEFU_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    runner = CliRunner()
    due = runner.invoke(app, ["db", "current"])
    assert due.exit_code == 1
    head = head_revision()
    assert "current: none" in due.output and f"head: {head}" in due.output

    done = runner.invoke(app, ["db", "upgrade"])
    assert done.exit_code == 0, done.output
    assert f"upgraded from empty to {head}" in done.output
    again = runner.invoke(app, ["db", "upgrade"])
    assert f"already at revision {head}" in again.output
    assert runner.invoke(app, ["db", "current"]).exit_code == 0


def test_kefu_db_upgrade_says_when_the_database_is_unreachable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("KEFU_DATABASE_URL", "postgresql://postgres@127.0.0.1:1/none")
    result = CliRunner().invoke(app, ["db", "upgrade"])
    assert result.exit_code == 1
    assert "cannot reach PostgreSQL at 127.0.0.1:1" in result.output
