"""Engine setup and the translation of connection failures."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlmodel import Session

from catalog.db import check_connection, create_db_engine, init_schema, session_scope
from catalog.errors import CatalogError, DatabaseUnavailable
from catalog.models import Product
from catalog.settings import CatalogSettings


def test_unreachable_postgres_is_one_clear_line() -> None:
    engine = create_db_engine("postgresql+psycopg://postgres@127.0.0.1:1/test")
    with pytest.raises(DatabaseUnavailable) as caught:
        init_schema(engine)
    message = str(caught.value)
    assert message.startswith("cannot reach PostgreSQL at 127.0.0.1:1: connection refused")
    assert "\n" not in message


def test_plain_postgresql_url_uses_psycopg() -> None:
    engine = create_db_engine("postgresql://postgres@127.0.0.1:1/test")
    assert engine.dialect.driver == "psycopg"


@pytest.mark.parametrize("url", ["not a url", "mysql://user@host/db"])
def test_unusable_urls_are_refused(url: str) -> None:
    with pytest.raises(DatabaseUnavailable):
        create_db_engine(url)


def test_postgres_errors_do_not_show_the_password() -> None:
    engine = create_db_engine("postgresql://shop:s3cret@127.0.0.1:1/test")
    with pytest.raises(DatabaseUnavailable) as caught:
        check_connection(engine)
    assert "s3cret" not in str(caught.value)


def test_sqlite_creates_its_directory_with_wal_and_foreign_keys(tmp_path: Path) -> None:
    settings = CatalogSettings(data_dir=tmp_path / "nested" / "data")
    engine = create_db_engine(settings.resolved_database_url())
    init_schema(engine)
    assert (tmp_path / "nested" / "data" / "kefu.db").exists()
    with engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
    engine.dispose()


def test_sqlite_in_memory_keeps_its_tables() -> None:
    engine = create_db_engine("sqlite://")
    init_schema(engine)
    with session_scope(engine) as session:
        session.add(Product(sku="A", title="kettle"))
    with Session(engine) as session:
        assert session.get(Product, "A") is not None


def test_session_scope_rolls_back_on_error(engine: Engine) -> None:
    with pytest.raises(RuntimeError), session_scope(engine) as session:
        session.add(Product(sku="A", title="kettle"))
        session.flush()
        raise RuntimeError("boom")
    with Session(engine) as session:
        assert session.get(Product, "A") is None


def test_session_scope_translates_constraint_errors(engine: Engine) -> None:
    with session_scope(engine) as session:
        session.add(Product(sku="A", title="kettle"))
    with (
        pytest.raises(CatalogError, match="database error") as caught,
        session_scope(engine) as session,
    ):
        session.add(Product(sku="A", title="again"))
    assert not isinstance(caught.value, DatabaseUnavailable)


def test_a_file_that_is_not_sqlite_is_unavailable(tmp_path: Path) -> None:
    path = tmp_path / "kefu.db"
    path.write_bytes(b"not a database " * 100)
    with pytest.raises(DatabaseUnavailable, match="file is not a database"):
        init_schema(create_db_engine(f"sqlite:///{path}"))


@pytest.mark.postgres
def test_missing_postgres_database_is_named(postgres_admin: Engine) -> None:
    url = postgres_admin.url.set(database="kefu_no_such_db").render_as_string(hide_password=False)
    with pytest.raises(DatabaseUnavailable, match='database "kefu_no_such_db" does not exist'):
        check_connection(create_db_engine(url))


def test_init_schema_is_idempotent(engine: Engine) -> None:
    init_schema(engine)
    check_connection(engine)
