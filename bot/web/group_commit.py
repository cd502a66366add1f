"""Group commit: writes that arrive together share one database transaction.

On SQLite a commit costs more than the statements in it, so under load the
conversation store hands its appends to one writer that commits them in batches.
Each caller still waits for its own write to be committed before it goes on.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

import anyio.to_thread
from sqlalchemy import Connection

Op = Callable[[Connection], Any]


class GroupCommit:
    """Run operations in shared transactions, one transaction at a time.

    `begin` opens a transaction (a context manager yielding a connection). A batch
    commits as a whole; if it fails, its operations are retried one transaction
    each, so one bad operation (an unknown conversation, a duplicate inserted by
    another process) only fails its own caller.
    """

    def __init__(
        self, begin: Callable[[], AbstractContextManager[Connection]], max_batch: int = 256
    ):
        self._begin = begin
        self._max_batch = max_batch
        self._queue: list[tuple[Op, asyncio.Future[Any]]] = []
        self._writer: asyncio.Task[None] | None = None

    async def run(self, op: Op) -> Any:
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._queue.append((op, future))
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._drain())
        return await future

    async def _drain(self) -> None:
        await asyncio.sleep(0)  # writes made in this same instant join the first batch
        while self._queue:
            batch, self._queue = self._queue[: self._max_batch], self._queue[self._max_batch :]
            try:
                outcomes = await anyio.to_thread.run_sync(self._commit, [op for op, _ in batch])
            except BaseException as exc:  # cancelled while the thread ran: tell every caller
                for _, future in batch:
                    if not future.done():
                        future.set_exception(exc if isinstance(exc, Exception) else RuntimeError())
                raise
            for (_, future), (ok, value) in zip(batch, outcomes, strict=True):
                if future.done():
                    continue  # the caller went away
                if ok:
                    future.set_result(value)
                else:
                    future.set_exception(value)

    def _commit(self, ops: list[Op]) -> list[tuple[bool, Any]]:
        try:
            with self._begin() as conn:
                return [(True, op(conn)) for op in ops]
        except Exception as exc:
            if len(ops) == 1:
                return [(False, exc)]
        outcomes: list[tuple[bool, Any]] = []
        for op in ops:
            try:
                with self._begin() as conn:
                    outcomes.append((True, op(conn)))
            except Exception as exc:
                outcomes.append((False, exc))
        return outcomes
