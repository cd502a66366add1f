"""One error root for the catalog package; foreign exceptions are translated here."""

from __future__ import annotations


class CatalogError(Exception):
    """Base of every error the catalog package raises."""


class DatabaseUnavailable(CatalogError):
    """The database cannot be reached (wrong URL, server down, no permission)."""


class IngestError(CatalogError):
    """A whole input file cannot be read (missing, not UTF-8, --strict with bad lines)."""
