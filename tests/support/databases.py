"""Database engines for tests: SQLite in a temp dir, or a fresh schema on the real PostgreSQL.

PostgreSQL tests skip with a reason when the server cannot be reached, except
under CI=true, where an unreachable server fails the run.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.exc import OperationalError
from sqlmodel import SQLModel

DEFAULT_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def postgres_url() -> str:
    return os.environ.get("KEFU_TEST_POSTGRES_URL", DEFAULT_POSTGRES_URL)


def postgres_engine_in_fresh_schema() -> Iterator[Engine]:
    """An engine whose search_path is a new, empty schema; dropped afterwards."""
    url = postgres_url()
    admin = create_engine(url, connect_args={"connect_timeout": 3})
    try:
        with admin.connect() as connection:
            connection.execute(text("select 1"))
    except OperationalError as exc:
        admin.dispose()
        if os.environ.get("CI") == "true":
            pytest.fail(f"PostgreSQL at {url} is required under CI=true: {exc}")
        pytest.skip(f"PostgreSQL not reachable at {url}")
    schema = f"kefu_test_{uuid.uuid4().hex[:12]}"
    with admin.begin() as connection:
        connection.execute(text(f'create schema "{schema}"'))
    engine = create_engine(url, connect_args={"options": f"-csearch_path={schema}"})
    try:
        yield engine
    finally:
        engine.dispose()
        with admin.begin() as connection:
            connection.execute(text(f'drop schema "{schema}" cascade'))
        admin.dispose()


def sqlite_engine(directory: Path) -> Engine:
    return create_engine(f"sqlite:///{directory / 'kefu.db'}")


def engine_for(backend: str, directory: Path) -> Iterator[Engine]:
    """Yield a fresh engine with every table created, for `backend` "sqlite" or "postgres"."""
    if backend == "postgres":
        for engine in postgres_engine_in_fresh_schema():
            SQLModel.metadata.create_all(engine)
            yield engine
        return
    engine = sqlite_engine(directory)
    SQLModel.metadata.create_all(engine)
    yield engine
    engine.dispose()
