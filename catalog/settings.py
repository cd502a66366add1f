"""Catalog settings: where the shop's data lives."""

from __future__ import annotations

from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict


class CatalogSettings(BaseSettings):
    """Read once at start from `KEFU_*` environment variables (or a `.env` file)."""

    model_config = SettingsConfigDict(env_prefix="KEFU_", env_file=".env", extra="ignore")

    # One directory holds the SQLite database, the search index and the model cache.
    data_dir: Path = Path(".kefu-data")
    # SQLAlchemy URL; empty means SQLite inside data_dir.
    database_url: str = ""

    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'kefu.db').resolve()}"
