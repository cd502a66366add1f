"""Transcript logging that never delays or fails the reply.

Turns go into a bounded in-memory queue; a background task writes them in
batches from a worker thread. When the database is down, a batch is appended to
a durable spool file (fsync'd JSON lines) and replayed once the database answers
again; writes are idempotent by turn id, so a replay never doubles a turn.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session, select

from dialogue.message_search import SearchableTurn, index_turns
from dialogue.transcript_tables import Conversation, Turn

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TurnRecord:
    turn_id: str
    conversation_id: str
    message_id: str
    role: str
    text: str
    channel: str = "web"
    author: str = ""
    lang: str = ""
    intent: str = ""
    passages: list[Any] = field(default_factory=list)
    claims: list[Any] = field(default_factory=list)
    citations: list[Any] = field(default_factory=list)
    cards: list[Any] = field(default_factory=list)
    failed_checks: int = 0
    model: str = ""
    # why the model's reply failed or was never asked for (server down, breaker open)
    model_error: str = ""
    tokens: int = 0
    latency_ms: dict[str, Any] = field(default_factory=dict)
    customer_id: int | None = None
    created_at: str = field(default_factory=lambda: datetime.now(UTC).isoformat())


def _searchable(record: TurnRecord) -> SearchableTurn:
    at = datetime.fromisoformat(record.created_at)
    return SearchableTurn(record.turn_id, record.conversation_id, record.role, record.text, at)


class SqlTranscriptStore:
    """Writes turns into the transcript tables (SQLite or PostgreSQL)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def write(self, records: Iterable[TurnRecord]) -> None:
        written: list[TurnRecord] = []
        with Session(self.engine) as session:
            for record in records:
                if self._write_one(session, record):
                    written.append(record)
            session.commit()
        self._index_for_search(written)

    def _index_for_search(self, records: list[TurnRecord]) -> None:
        """Make the stored turns searchable; a failure is logged and costs no turn."""
        try:
            index_turns(self.engine, (_searchable(record) for record in records))
        except Exception:  # message_search.reindex_all catches up later
            log.exception("indexing %d turns for message search failed", len(records))

    def _write_one(self, session: Session, record: TurnRecord) -> bool:
        if session.get(Turn, record.turn_id) is not None:
            return False  # already written (a replayed spool line)
        at = datetime.fromisoformat(record.created_at)
        conversation = session.get(Conversation, record.conversation_id)
        if conversation is None:
            conversation = Conversation(
                id=record.conversation_id,
                channel=record.channel,
                customer_id=record.customer_id,
                lang=record.lang,
                started_at=at,
            )
        conversation.last_activity_at = at
        if record.lang:
            conversation.lang = record.lang
        if record.customer_id is not None:
            conversation.customer_id = record.customer_id
        session.add(conversation)
        fields = asdict(record)
        for key in ("turn_id", "channel", "customer_id", "created_at"):
            fields.pop(key)
        session.add(Turn(id=record.turn_id, created_at=at, **fields))
        session.flush()
        return True

    def turns(self, conversation_id: str) -> list[Turn]:
        with Session(self.engine) as session:
            query = select(Turn).where(Turn.conversation_id == conversation_id)
            return list(session.exec(query.order_by(Turn.created_at)).all())  # type: ignore[arg-type]


class TranscriptWriter:
    """Accepts turns without waiting; writes them in the background."""

    def __init__(self, store: SqlTranscriptStore, spool_dir: Path, max_queue: int = 10_000) -> None:
        self.store = store
        self.spool_path = spool_dir / "transcripts.spool.jsonl"
        spool_dir.mkdir(parents=True, exist_ok=True)
        self._queue: asyncio.Queue[TurnRecord] = asyncio.Queue(max_queue)
        self._task: asyncio.Task[None] | None = None
        self._observers: list[Callable[[TurnRecord], None]] = []

    def log(self, record: TurnRecord) -> None:
        """Never blocks and never raises: a full queue spills to the spool file."""
        try:
            self._queue.put_nowait(record)
        except asyncio.QueueFull:
            self._spool([record])
        for observer in self._observers:
            try:
                observer(record)
            except Exception:  # a live view failing must not touch the record
                log.exception("transcript observer failed")

    def observe(self, observer: Callable[[TurnRecord], None]) -> None:
        """Call `observer` with every record as it is logged (live views; must not block)."""
        self._observers.append(observer)

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._run())

    async def flush(self) -> None:
        """Write everything queued so far (used at shutdown and in tests)."""
        batch = self._drain()
        await asyncio.to_thread(self._write_or_spool, batch)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            self._task = None
        await self.flush()

    async def _run(self) -> None:
        while True:
            first = await self._queue.get()
            batch = [first, *self._drain()]
            await asyncio.to_thread(self._write_or_spool, batch)

    def _drain(self) -> list[TurnRecord]:
        batch: list[TurnRecord] = []
        while not self._queue.empty():
            batch.append(self._queue.get_nowait())
        return batch

    def _write_or_spool(self, batch: list[TurnRecord]) -> None:
        try:
            self._replay_spool()
            if batch:
                self.store.write(batch)
        except SQLAlchemyError as exc:
            log.warning("transcript database unavailable, spooling %d turns: %s", len(batch), exc)
            self._spool(batch)

    def _spool(self, batch: list[TurnRecord]) -> None:
        with self.spool_path.open("a", encoding="utf-8") as spool:
            for record in batch:
                spool.write(json.dumps(asdict(record), ensure_ascii=False) + "\n")
            spool.flush()
            os.fsync(spool.fileno())

    def _replay_spool(self) -> None:
        if not self.spool_path.exists():
            return
        # take the spool aside first so turns spooled meanwhile are not lost
        replaying = self.spool_path.with_suffix(".replaying")
        if not replaying.exists():
            self.spool_path.rename(replaying)
        lines = replaying.read_text(encoding="utf-8").splitlines()
        self.store.write(TurnRecord(**json.loads(line)) for line in lines if line.strip())
        replaying.unlink()

    @property
    def queued(self) -> int:
        """Turns accepted but not yet handed to the database (the writer's backlog)."""
        return self._queue.qsize()

    @property
    def spooled(self) -> int:
        """Turns waiting in the spool for the database to come back."""
        paths = [self.spool_path, self.spool_path.with_suffix(".replaying")]
        return sum(len(p.read_text(encoding="utf-8").splitlines()) for p in paths if p.exists())
