"""Web gateway speed: WebSocket and HTTP messages through gateway -> dialogue manager -> store.

    python -m bench.gateway_bench [--sessions 1000] [--seconds 10] [--rate 500]
                                  [--store memory|sqlite] [--server-cpu 0] [--client-cpu 1]

The dialogue manager is instant (no language model): typing, two cited sentences,
one product card and the answer, so the figures are the gateway's own cost. The
server runs in its own process pinned to one core, the load generator on the other;
a bare WebSocket echo server on the same stack (uvicorn + Starlette) is measured in
the same run, with the same sessions and the same offered load, as the baseline.

Reported: sessions held, closed-loop messages/s, latency percentiles at a fixed
offered rate (send -> typing frame, send -> whole answer), the same for the echo
server, and the gateway's added p99 latency and throughput ratio against it.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from bench.gateway_load import Stats, closed_loop, fixed_rate, http_loop, open_sessions
from dialogue.types import (
    Answer,
    AnswerEvent,
    CardsOut,
    Citation,
    ProductCard,
    SentenceOut,
    Typing,
    UserTurn,
)

CARD = ProductCard("EA-1001", "Sonvale Aria", 899.0, "CNY", "", "", True)


class InstantManager:
    """Answers at once, in the same event shapes the real manager streams."""

    async def handle(self, turn: UserTurn) -> AsyncIterator[AnswerEvent]:
        yield Typing()
        first = SentenceOut("The Sonvale Aria costs 899 CNY.", (Citation("EA-1001#price"),))
        second = SentenceOut("42 are in stock.", (Citation("EA-1001#stock"),))
        yield first
        yield second
        yield CardsOut((CARD,))
        yield Answer(
            uuid.uuid4().hex,
            f"{first.text} {second.text}",
            "en",
            "product_qa",
            (*first.citations, *second.citations),
            (CARD,),
        )


def gateway_app(store_kind: str, data_dir: str) -> Any:
    from bot.web import WebSettings, create_app
    from bot.web.products import InMemoryProductLookup, ProductView
    from bot.web.ratelimit import MemoryRateLimiter
    from bot.web.sql_store import SqlConversationStore
    from bot.web.store import ConversationStore, InMemoryConversationStore
    from catalog.db import create_db_engine

    store: ConversationStore
    if store_kind == "sqlite":
        sql = SqlConversationStore(create_db_engine(f"sqlite:///{data_dir}/bench.db"))
        sql.create_tables()
        store = sql
    else:
        store = InMemoryConversationStore()
    products = InMemoryProductLookup(
        [
            ProductView(
                "EA-1001", "Sonvale Aria", price=899.0, currency="CNY", stock=42, url="/p/EA-1001"
            )
        ]
    )
    # Limits stay on (their cost is part of the gateway) but far above the offered load.
    settings = WebSettings(
        redis_url="",
        demo_shop=False,
        ip_burst=10**9,
        ip_per_minute=1e12,
        session_burst=10**9,
        session_per_minute=1e12,
        identity_secret="",
    )
    return create_app(InstantManager(), store, products, settings, rate_limiter=MemoryRateLimiter())


def echo_app() -> Any:
    from starlette.applications import Starlette
    from starlette.routing import WebSocketRoute
    from starlette.websockets import WebSocket, WebSocketDisconnect

    async def echo(ws: WebSocket) -> None:
        await ws.accept()
        with contextlib.suppress(WebSocketDisconnect):
            while True:
                await ws.send_text(await ws.receive_text())

    return Starlette(routes=[WebSocketRoute("/ws", echo)])


def serve(kind: str, port: int, store_kind: str, cpu: int | None, data_dir: str) -> None:
    import gc

    import uvicorn

    from bot.web import serve as serve_web

    if cpu is not None and cpu >= 0:
        os.sched_setaffinity(0, {cpu})
    if kind == "gateway":
        app = gateway_app(store_kind, data_dir)  # through the real entry point
        serve_web(app, app.state.kefu.settings, port=port, log_level="error")
        return
    gc.collect()
    gc.freeze()  # as bot.web.serve does
    uvicorn.run(
        echo_app(),
        host="127.0.0.1",
        port=port,
        log_level="error",
        ws="websockets-sansio",
        ws_per_message_deflate=False,
    )


async def core_cost(messages: int, store_kind: str, data_dir: str) -> dict[str, Any]:
    """CPU per message inside the gateway alone (store, manager, frames), no sockets."""
    from bot.web.events import UserEvent

    gateway = gateway_app(store_kind, data_dir).state.gateway

    class Sink:
        frames = 0

        def deliver(self, frame: str) -> None:
            self.frames += 1

    convs = [await gateway.start("bench", "en", None) for _ in range(100)]
    sink = Sink()
    rooms = [await gateway.attach(conv.id, sink, 0) for conv in convs]  # held: rooms are weak
    wall, cpu = time.perf_counter(), time.process_time()
    for i in range(messages):
        await gateway.ask(convs[i % len(convs)], UserEvent(id=f"m{i}", text="price?"))
    cpu = time.process_time() - cpu
    wall = time.perf_counter() - wall
    return {
        "messages": messages,
        "cpu_us_per_msg": round(cpu / messages * 1e6, 1),
        "wall_us_per_msg": round(wall / messages * 1e6, 1),
        "frames_per_msg": round(sink.frames / messages, 1),
        "rooms": len(rooms),
    }


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def server(kind: str, args: argparse.Namespace, data_dir: str) -> Any:
    port = free_port()
    cmd = [
        sys.executable,
        "-m",
        "bench.gateway_bench",
        "--serve",
        kind,
        "--port",
        str(port),
        "--store",
        args.store,
        "--server-cpu",
        str(args.server_cpu),
        "--data-dir",
        data_dir,
    ]
    proc = subprocess.Popen(cmd)
    try:
        deadline = time.monotonic() + 60
        while True:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
                break
            if time.monotonic() > deadline or proc.poll() is not None:
                raise RuntimeError(f"{kind} server did not start")
            time.sleep(0.1)
        yield port, proc.pid
    finally:
        proc.terminate()
        proc.wait(10)


async def measure(kind: str, port: int, pid: int, args: argparse.Namespace) -> dict[str, Any]:
    echo = kind == "echo"
    url = f"ws://127.0.0.1:{port}/ws"
    t0 = time.perf_counter()
    sessions = await open_sessions(url, args.sessions, echo)
    opened = time.perf_counter() - t0
    await fixed_rate(sessions, args.rate, 1.0)  # warm-up
    cpu = cpu_seconds(pid)
    count_before = time.perf_counter()
    throughput = await closed_loop(sessions, args.seconds)
    # The server's own CPU per message: what a core can carry, whatever else runs here.
    server_us = (cpu_seconds(pid) - cpu) / (throughput * (time.perf_counter() - count_before)) * 1e6
    await asyncio.sleep(0.5)
    paced = await fixed_rate(sessions, args.rate, args.seconds)
    out: dict[str, Any] = {
        "sessions_held": sum(1 for s in sessions if s.ws.state.name == "OPEN"),
        "open_s": round(opened, 2),
        "msgs_per_s": round(throughput),
        "server_cpu_us_per_msg": round(server_us),
        "rate": args.rate,
        "answer_p50_ms": round(Stats.pct(paced.answer_ms, 50), 2),
        "answer_p99_ms": round(Stats.pct(paced.answer_ms, 99), 2),
    }
    if not echo:
        out["typing_p95_ms"] = round(Stats.pct(paced.typing_ms, 95), 2)
        cpu = cpu_seconds(pid)
        started = time.perf_counter()
        http_rate, http = await http_loop(port, 32, args.seconds / 2)
        spent = cpu_seconds(pid) - cpu
        out["http_msgs_per_s"] = round(http_rate)
        out["http_server_cpu_us_per_msg"] = round(
            spent / (http_rate * (time.perf_counter() - started)) * 1e6
        )
        out["http_p99_ms"] = round(Stats.pct(http.answer_ms, 99), 2)
    for s in sessions:
        await s.ws.close()
        s.reader.cancel()
    return out


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--sessions", type=int, default=1000)
    p.add_argument("--seconds", type=float, default=10.0)
    p.add_argument("--rate", type=float, default=500.0, help="offered messages/s for latency")
    p.add_argument("--store", choices=["memory", "sqlite"], default="memory")
    p.add_argument("--core-messages", type=int, default=5000)
    p.add_argument("--server-cpu", type=int, default=0, help="-1: not pinned")
    p.add_argument("--client-cpu", type=int, default=1, help="-1: not pinned")
    p.add_argument("--serve", choices=["gateway", "echo"], help=argparse.SUPPRESS)
    p.add_argument("--port", type=int, help=argparse.SUPPRESS)
    p.add_argument("--data-dir", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.serve:
        serve(args.serve, args.port, args.store, args.server_cpu, args.data_dir)
        return
    if args.client_cpu >= 0:
        os.sched_setaffinity(0, {args.client_cpu})
    import uvloop

    results: dict[str, Any] = {
        "store": args.store,
        "cpus": os.cpu_count(),
        "load_avg_1m": os.getloadavg()[0],
    }
    with tempfile.TemporaryDirectory() as data_dir:
        results["core"] = uvloop.run(core_cost(args.core_messages, args.store, data_dir))
        for kind in ("echo", "gateway"):
            with server(kind, args, data_dir) as (port, pid):
                results[kind] = uvloop.run(measure(kind, port, pid, args))
    gw, echo = results["gateway"], results["echo"]
    results["added_p99_ms"] = round(gw["answer_p99_ms"] - echo["answer_p99_ms"], 2)
    results["throughput_ratio_vs_echo"] = round(gw["msgs_per_s"] / echo["msgs_per_s"], 3)
    results["server_cpu_ratio_vs_echo"] = round(
        gw["server_cpu_us_per_msg"] / echo["server_cpu_us_per_msg"], 2
    )
    print(json.dumps(results))


if __name__ == "__main__":
    main()
