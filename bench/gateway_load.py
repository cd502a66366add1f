"""The load generator of bench/gateway_bench.py: WebSocket sessions and bare HTTP/1.1."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from websockets.asyncio.client import ClientConnection, connect


@dataclass
class Stats:
    answer_ms: list[float] = field(default_factory=list)
    typing_ms: list[float] = field(default_factory=list)

    @staticmethod
    def pct(values: list[float], p: float) -> float:
        if not values:
            return float("nan")
        ordered = sorted(values)
        return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]


class Session:
    """One open socket; `ask` sends a message and waits for its whole answer (or echo)."""

    def __init__(self, ws: ClientConnection, echo: bool) -> None:
        self.ws = ws
        self.echo = echo
        self.waiting: dict[str, tuple[float, asyncio.Future[float], list[float]]] = {}
        self.reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        with contextlib.suppress(Exception):
            async for raw in self.ws:
                data = json.loads(raw)
                for frame in data if isinstance(data, list) else [data]:
                    self._on(frame)

    def _on(self, frame: dict[str, Any]) -> None:
        key = str(frame.get("id") if self.echo else frame.get("reply_to"))
        entry = self.waiting.get(key)
        if entry is None:
            return
        sent, done, typing = entry
        now = time.perf_counter()
        if frame["type"] == "typing" and not typing:
            typing.append((now - sent) * 1000)
        elif frame["type"] == "answer" or self.echo:
            del self.waiting[key]
            done.set_result((now - sent) * 1000)

    async def ask(self, stats: Stats | None) -> None:
        mid = uuid.uuid4().hex
        done: asyncio.Future[float] = asyncio.get_running_loop().create_future()
        typing: list[float] = []
        self.waiting[mid] = (time.perf_counter(), done, typing)
        await self.ws.send(json.dumps({"type": "message", "id": mid, "text": "price?"}))
        ms = await asyncio.wait_for(done, 30)
        if stats is not None:
            stats.answer_ms.append(ms)
            stats.typing_ms.extend(typing)


async def open_sessions(url: str, n: int, echo: bool) -> list[Session]:
    gate = asyncio.Semaphore(50)

    async def one() -> Session:
        async with gate:
            ws = await connect(url, max_size=2**20, open_timeout=60, ping_interval=None)
            if not echo:
                await ws.send(json.dumps({"type": "hello", "shop": "bench", "batch": True}))
                assert json.loads(await ws.recv())["type"] == "ready"
            return Session(ws, echo)

    return list(await asyncio.gather(*(one() for _ in range(n))))


async def closed_loop(sessions: list[Session], seconds: float) -> float:
    """Every session sends, waits, sends again: the most messages/s the server manages."""
    count = 0
    stop = time.perf_counter() + seconds

    async def loop(s: Session) -> None:
        nonlocal count
        while time.perf_counter() < stop:
            await s.ask(None)
            count += 1

    started = time.perf_counter()
    await asyncio.gather(*(loop(s) for s in sessions))
    return count / (time.perf_counter() - started)


async def fixed_rate(sessions: list[Session], rate: float, seconds: float) -> Stats:
    """Messages at a steady rate, round robin over the sessions: latency at that load."""
    stats = Stats()
    tasks = []
    interval = 1.0 / rate
    start = time.perf_counter()
    for i in range(int(rate * seconds)):
        delay = start + i * interval - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(sessions[i % len(sessions)].ask(stats)))
    await asyncio.gather(*tasks)
    return stats


class HttpConnection:
    """A bare HTTP/1.1 keep-alive client: little enough work that the server is measured."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    @classmethod
    async def open(cls, port: int) -> HttpConnection:
        return cls(*await asyncio.open_connection("127.0.0.1", port))

    async def post(self, path: str, body: dict[str, Any]) -> tuple[int, bytes]:
        data = json.dumps(body).encode()
        head = (
            f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(data)}\r\n\r\n"
        )
        self.writer.write(head.encode() + data)
        status_line = await self.reader.readline()
        length = 0
        while (line := await self.reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.decode("latin-1").partition(":")
            if name.lower() == "content-length":
                length = int(value)
        return int(status_line.split()[1]), await self.reader.readexactly(length)


async def http_loop(port: int, workers: int, seconds: float) -> tuple[float, Stats]:
    """Closed loop over `workers` keep-alive connections, one conversation each."""
    stats = Stats()
    conns = [await HttpConnection.open(port) for _ in range(workers)]
    convs = [
        json.loads((await c.post("/api/conversations", {}))[1])["conversation_id"] for c in conns
    ]
    count = 0
    stop = time.perf_counter() + seconds

    async def loop(conn: HttpConnection, cid: str) -> None:
        nonlocal count
        while time.perf_counter() < stop:
            t0 = time.perf_counter()
            status, _ = await conn.post(
                f"/api/conversations/{cid}/messages", {"id": uuid.uuid4().hex, "text": "price?"}
            )
            assert status == 200, status
            stats.answer_ms.append((time.perf_counter() - t0) * 1000)
            count += 1

    started = time.perf_counter()
    await asyncio.gather(*(loop(c, cid) for c, cid in zip(conns, convs, strict=True)))
    rate = count / (time.perf_counter() - started)
    for c in conns:
        c.writer.close()
    return rate, stats
