"""Read-only replicas: follow the index that a build job publishes, without a restart.

A job (`kefu index build`, or any process that saves the index) writes a new
generation and then switches the CURRENT pointer. A replica started with
KEFU_INDEX_RELOAD_S > 0 never writes the index; a thread looks at the pointer
every so often and, when it names another generation, loads that generation
whole (every file checked against its manifest) and swaps it into the retriever
in one assignment. Searches in flight finish on the index they started with; a
generation that cannot be read, or was built with another embedder, is logged
as an error and the replica keeps serving the index it has.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from retrieval.errors import IndexCorrupt, RetrievalError
from retrieval.hybrid import HybridRetriever
from retrieval.index import HybridIndex, IndexParams
from retrieval.index_store import CURRENT, StoredIndex, load_index

log = logging.getLogger(__name__)

Outcome = Literal["unchanged", "loaded", "rejected"]


@dataclass(frozen=True)
class PointerState:
    """What CURRENT says now: the generation it names and when it was last replaced."""

    generation: str
    mtime_ns: int


def read_pointer(directory: Path) -> PointerState | None:
    """The CURRENT pointer, or None when no index was published yet."""
    try:
        path = directory / CURRENT
        stat = path.stat()
        return PointerState(path.read_text().strip(), stat.st_mtime_ns)
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise IndexCorrupt(f"cannot read {directory / CURRENT}: {exc}") from exc


def load_published(directory: Path, params: IndexParams, expected: dict[str, Any]) -> StoredIndex:
    """The published generation, refused unless its writer used the expected embedder and
    passage format (`expected` is `retrieval.sync.index_info(embedder)`)."""
    stored = load_index(directory, params)
    if stored is None:
        raise RetrievalError(
            f"no search index at {directory}: run `kefu index build` before the replicas start"
        )
    if stored.info.get("index") != expected:
        raise IndexCorrupt(
            f"the index at {stored.path} was built with {stored.info.get('index')}, "
            f"this process searches with {expected}"
        )
    return stored


class IndexReloader:
    """Watches `directory` and swaps each newly published generation into `retriever`."""

    def __init__(
        self,
        retriever: HybridRetriever,
        directory: Path,
        params: IndexParams,
        expected: dict[str, Any],
        *,
        interval_s: float,
        serving: Path | None = None,
    ) -> None:
        if interval_s <= 0:
            raise ValueError("interval_s must be positive")
        self.retriever = retriever
        self.directory = directory
        self.params = params
        self.expected = expected
        self.interval_s = interval_s
        # The generation being served, and the last pointer state looked at (loaded or not).
        self.serving = serving.name if serving is not None else ""
        self._seen: PointerState | None = None
        self.reloads = 0
        self.last_error = ""
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._watch, name="kefu-index-reload", daemon=True
            )
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=max(5.0, self.interval_s * 2))
            self._thread = None

    def check(self) -> Outcome:
        """Look at the pointer once; load and swap when it names a new generation.

        A generation that fails is not tried again until the pointer changes (a
        half-copied index would otherwise be re-read, and re-logged, every interval).
        """
        try:
            pointer = read_pointer(self.directory)
        except IndexCorrupt as exc:
            return self._reject(str(exc))
        if pointer is None or pointer == self._seen:
            return "unchanged"
        self._seen = pointer
        if pointer.generation == self.serving:
            return "unchanged"
        try:
            stored = load_published(self.directory, self.params, self.expected)
        except RetrievalError as exc:
            return self._reject(f"generation {pointer.generation}: {exc}")
        old: HybridIndex = self.retriever.swap_index(stored.index)
        self.serving = stored.path.name
        self.reloads += 1
        self.last_error = ""
        log.info(
            "search index reloaded: %s (%d passages, was %d)",
            self.serving,
            stored.index.n_passages,
            old.n_passages,
        )
        return "loaded"

    def _reject(self, error: str) -> Outcome:
        self.last_error = error
        log.error("search index not reloaded, still serving %s: %s", self.serving, error)
        return "rejected"

    def _watch(self) -> None:
        while not self._stop.wait(self.interval_s):
            try:
                self.check()
            except Exception:  # the watcher must outlive any surprise; the old index serves
                log.exception("search index watcher failed; still serving %s", self.serving)
