"""Alembic's entry point: migrate through the caller's connection, or the settings' database.

`bot.migrate` hands a connection in `config.attributes["connection"]`; the plain
`alembic` command (writing a new revision) connects to KEFU_DATABASE_URL instead.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from bot.db_tables import full_metadata
from bot.migrate import include_object
from catalog.db import create_db_engine
from catalog.settings import CatalogSettings

config = context.config
target_metadata = full_metadata()


def run_migrations(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        version_table=config.get_main_option("version_table") or "alembic_version",
        compare_type=True,
        include_object=include_object,
        # SQLite alters tables by copying them; batch mode writes revisions that way.
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    given = config.attributes.get("connection")
    if given is not None:
        run_migrations(given)
        return
    engine = create_db_engine(CatalogSettings().resolved_database_url())
    try:
        with engine.connect() as connection:
            run_migrations(connection)
            connection.commit()
    finally:
        engine.dispose()


if context.is_offline_mode():
    raise SystemExit("kefu migrations run online only: give them a database")
run_migrations_online()
