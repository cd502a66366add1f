"""A database with no tables, on SQLite and on the real PostgreSQL, for migration tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from catalog.db import create_db_engine
from tests.support.databases import postgres_engine_in_fresh_schema


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def empty_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    if request.param == "postgres":
        yield from postgres_engine_in_fresh_schema()
        return
    engine = create_db_engine(f"sqlite:///{tmp_path / 'kefu.db'}")
    yield engine
    engine.dispose()
