"""One error root for the retrieval package."""

from __future__ import annotations


class RetrievalError(Exception):
    """Base of every error the retrieval package raises."""


class ModelUnavailable(RetrievalError):
    """A model setting cannot be turned into a loaded model (missing files, bad checksum)."""


class IndexCorrupt(RetrievalError):
    """A persisted index cannot be read; it is rebuilt from the catalog."""
