"""Analytics tests run on SQLite and on the real PostgreSQL, each in a fresh database."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

import analytics.schema  # noqa: F401  (registers the click table and indexes before create_all)
from tests.support.databases import engine_for


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    yield from engine_for(request.param, tmp_path)
