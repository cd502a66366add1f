"""Schema migrations (Alembic), configured in code: no alembic.ini at run time.

`upgrade_database` brings a database to the newest revision. A database made
before migrations existed (tables created by `create_all`, no `alembic_version`)
is adopted: revision 0001 creates only the tables and indexes it lacks, so the
upgrade stamps it instead of failing on "table already exists". On PostgreSQL
the upgrade holds an advisory lock, so replicas starting together migrate once.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, inspect, text
from sqlalchemy.sql.schema import SchemaItem

from catalog.db import create_db_engine, translate_db_errors
from catalog.settings import CatalogSettings

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
VERSION_TABLE = "alembic_version"
# Any number, the same in every process: pg_advisory_lock's key for "migrating kefu".
_ADVISORY_LOCK_KEY = 0x6B656675
# Made by message search's extra SQL beside its table (dialogue.message_search.SEARCH_DDL),
# so no model declares them: the FTS5 table and its shadow tables on SQLite, the
# generated tsvector column and its GIN index on PostgreSQL.
_SEARCH_TABLES_PREFIX = "turn_search_fts"
_SEARCH_EXTRAS = frozenset({"terms_tsv", "ix_turn_search_terms_tsv"})


@dataclass(frozen=True)
class SchemaStatus:
    current: str | None  # the database's revision; None before the first upgrade
    head: str  # the newest revision this code knows
    legacy_tables: int  # tables present without a version (a create_all database)

    @property
    def up_to_date(self) -> bool:
        return self.current == self.head


def alembic_config(connection: Connection | None = None) -> Config:
    """Alembic's configuration; with `connection`, env.py migrates through it."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("version_table", VERSION_TABLE)
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def include_object(
    item: SchemaItem, name: str | None, type_: str, reflected: bool, compare_to: SchemaItem | None
) -> bool:
    """Whether schema comparison looks at `item`: not at message search's full-text extras.

    Without this, autogenerate would write revisions that drop them.
    """
    if not reflected or compare_to is not None or name is None:
        return True
    if type_ == "table":
        return not name.startswith(_SEARCH_TABLES_PREFIX)
    return name not in _SEARCH_EXTRAS


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    if head is None:
        raise RuntimeError(f"no migration revisions in {MIGRATIONS_DIR}")
    return head


def schema_status(engine: Engine) -> SchemaStatus:
    with translate_db_errors(engine), engine.connect() as connection:
        current = MigrationContext.configure(connection).get_current_revision()
        tables = set(inspect(connection).get_table_names()) - {VERSION_TABLE}
    return SchemaStatus(current, head_revision(), 0 if current else len(tables))


def upgrade(engine: Engine, revision: str = "head") -> SchemaStatus:
    """Migrate `engine`'s database to `revision` (blocking: call it from a thread)."""
    with translate_db_errors(engine), engine.connect() as connection:
        locked = connection.dialect.name == "postgresql"
        if locked:
            connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": _ADVISORY_LOCK_KEY})
            connection.commit()
        try:
            command.upgrade(alembic_config(connection), revision)
            connection.commit()
        finally:
            if locked:
                connection.execute(
                    text("SELECT pg_advisory_unlock(:key)"), {"key": _ADVISORY_LOCK_KEY}
                )
                connection.commit()
    return schema_status(engine)


def upgrade_database(settings: CatalogSettings | None = None) -> SchemaStatus:
    """Migrate the database the settings name to the newest revision."""
    settings = settings or CatalogSettings()
    engine = create_db_engine(settings.resolved_database_url())
    try:
        return upgrade(engine)
    finally:
        engine.dispose()
