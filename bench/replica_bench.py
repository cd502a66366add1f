"""Replicas of the web gateway sharing PostgreSQL and Redis: 1 process against 2.

    python -m bench.replica_bench [--sessions 200] [--seconds 6] [--rate 200]
                                  [--postgres URL] [--redis URL]

Each replica is a web process as `kefu run` serves it (the real app through
`bot.web.serve`), with the instant scripted dialogue manager of
bench/gateway_bench.py, its conversations in PostgreSQL (one fresh schema per run,
dropped at the end) and its rate limits in Redis, so that a shopper's message may
land on any replica. The same load generator (bench/gateway_load.py) drives the
same sessions and offered load against 1 and then 2 processes, the sessions spread
evenly over them.

Reported: closed-loop messages/s and the latency percentiles at a fixed offered
rate for 1 and 2 processes and their ratio; the same single process on SQLite with
in-memory limits as the baseline; and the cost per turn of PostgreSQL + Redis,
measured in process: the gateway's own wall time per message on each back end, and
the rate limiter's two calls per message timed alone.
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
from collections.abc import Iterator
from typing import Any

from bench.gateway_bench import InstantManager, cpu_seconds, free_port
from bench.gateway_load import Session, Stats, closed_loop, fixed_rate, open_sessions

DEFAULT_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
DEFAULT_REDIS = "redis://127.0.0.1:6379/0"


def replica_app(db_url: str, schema: str | None, redis_url: str, rl_prefix: str) -> Any:
    from bot.web import WebSettings, create_app
    from bot.web.products import InMemoryProductLookup, ProductView
    from bot.web.ratelimit import MemoryRateLimiter, RateLimiter, RedisRateLimiter
    from bot.web.sql_store import SqlConversationStore
    from catalog.db import create_db_engine

    store = SqlConversationStore(create_db_engine(db_url, schema=schema))
    products = InMemoryProductLookup(
        [ProductView("EA-1001", "Sonvale Aria", price=899.0, currency="CNY", stock=42)]
    )
    limiter: RateLimiter = (
        RedisRateLimiter(redis_url, prefix=rl_prefix) if redis_url else MemoryRateLimiter()
    )
    # Limits stay on (their cost is part of each turn) but far above the offered load.
    settings = WebSettings(
        redis_url=redis_url,
        demo_shop=False,
        ip_burst=10**9,
        ip_per_minute=1e12,
        session_burst=10**9,
        session_per_minute=1e12,
        identity_secret="",
    )
    return create_app(InstantManager(), store, products, settings, rate_limiter=limiter)


def prepare_store(db_url: str, schema: str | None) -> None:
    from sqlalchemy import text

    from bot.web.sql_store import SqlConversationStore
    from catalog.db import create_db_engine

    if schema:
        admin = create_db_engine(db_url)
        with admin.begin() as connection:
            connection.execute(text(f'create schema "{schema}"'))
        admin.dispose()
    engine = create_db_engine(db_url, schema=schema)
    SqlConversationStore(engine).create_tables()
    engine.dispose()


def drop_schema(db_url: str, schema: str) -> None:
    from sqlalchemy import text

    from catalog.db import create_db_engine

    admin = create_db_engine(db_url)
    with admin.begin() as connection:
        connection.execute(text(f'drop schema if exists "{schema}" cascade'))
    admin.dispose()


@contextlib.contextmanager
def replicas(n: int, backend: dict[str, str]) -> Iterator[list[tuple[int, int]]]:
    """`n` web processes on one back end; yields (port, pid) of each."""
    procs: list[tuple[int, subprocess.Popen[bytes]]] = []
    try:
        for _ in range(n):
            port = free_port()
            cmd = [sys.executable, "-m", "bench.replica_bench", "--serve", "--port", str(port)]
            cmd += ["--backend", json.dumps(backend)]
            procs.append((port, subprocess.Popen(cmd)))
        for port, proc in procs:
            deadline = time.monotonic() + 60
            while True:
                with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port)):
                    break
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise RuntimeError("a replica did not start")
                time.sleep(0.1)
        yield [(port, proc.pid) for port, proc in procs]
    finally:
        for _, proc in procs:
            proc.terminate()
        for _, proc in procs:
            proc.wait(10)


async def measure(servers: list[tuple[int, int]], args: argparse.Namespace) -> dict[str, Any]:
    per_server = [args.sessions // len(servers)] * len(servers)
    groups = [
        await open_sessions(f"ws://127.0.0.1:{port}/ws", count, echo=False)
        for (port, _), count in zip(servers, per_server, strict=True)
    ]
    sessions: list[Session] = [s for group in groups for s in group]
    await fixed_rate(sessions, args.rate, 1.0)  # warm-up
    cpu = sum(cpu_seconds(pid) for _, pid in servers)
    started = time.perf_counter()
    throughput = await closed_loop(sessions, args.seconds)
    spent = sum(cpu_seconds(pid) for _, pid in servers) - cpu
    server_us = spent / (throughput * (time.perf_counter() - started)) * 1e6
    await asyncio.sleep(0.5)
    paced = await fixed_rate(sessions, args.rate, args.seconds)
    for s in sessions:
        await s.ws.close()
        s.reader.cancel()
    return {
        "processes": len(servers),
        "msgs_per_s": round(throughput),
        "server_cpu_us_per_msg": round(server_us),
        "rate": args.rate,
        "answer_p50_ms": round(Stats.pct(paced.answer_ms, 50), 2),
        "answer_p99_ms": round(Stats.pct(paced.answer_ms, 99), 2),
    }


async def per_turn_cost(backend: dict[str, str], messages: int) -> dict[str, float]:
    """Wall time per message inside one gateway (no sockets), and of its limiter alone."""
    from bot.web.events import UserEvent

    app = replica_app(backend["db"], backend.get("schema") or None, backend["redis"], backend["rl"])
    gateway, limits = app.state.gateway, app.state.kefu.limits

    class Sink:
        def deliver(self, frame: str) -> None:
            pass

    sink = Sink()
    convs = [await gateway.start("bench", "en", None) for _ in range(20)]
    rooms = [await gateway.attach(conv.id, sink, 0) for conv in convs]  # held: rooms are weak
    for i in range(50):  # connections opened, statements prepared
        await gateway.ask(convs[i % len(convs)], UserEvent(id=f"w{i}", text="price?"))
    started = time.perf_counter()
    for i in range(messages):
        await gateway.ask(convs[i % len(convs)], UserEvent(id=f"m{i}", text="price?"))
    turn_us = (time.perf_counter() - started) / messages * 1e6
    started = time.perf_counter()
    for i in range(messages):
        await limits.message("127.0.0.1", convs[i % len(convs)].id)
    limiter_us = (time.perf_counter() - started) / messages * 1e6
    await limits.limiter.close()
    del rooms
    return {"turn_us": round(turn_us, 1), "limiter_us": round(limiter_us, 1)}


def serve(port: int, backend: dict[str, str]) -> None:
    from bot.web import serve as serve_web

    app = replica_app(backend["db"], backend.get("schema") or None, backend["redis"], backend["rl"])
    serve_web(app, app.state.kefu.settings, port=port, log_level="error")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--sessions", type=int, default=200)
    p.add_argument("--seconds", type=float, default=6.0)
    p.add_argument("--rate", type=float, default=200.0, help="offered messages/s for latency")
    p.add_argument("--core-messages", type=int, default=1000)
    p.add_argument("--postgres", default=os.environ.get("KEFU_TEST_POSTGRES_URL", DEFAULT_POSTGRES))
    p.add_argument("--redis", default=os.environ.get("KEFU_TEST_REDIS_URL", DEFAULT_REDIS))
    p.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--port", type=int, help=argparse.SUPPRESS)
    p.add_argument("--backend", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.serve:
        serve(args.port, json.loads(args.backend))
        return
    import uvloop

    run = uuid.uuid4().hex[:10]
    shared = {
        "db": args.postgres,
        "schema": f"kefu_bench_{run}",
        "redis": args.redis,
        "rl": f"kefu-bench-{run}:rl:",
    }
    results: dict[str, Any] = {"cpus": os.cpu_count(), "load_avg_1m": os.getloadavg()[0]}
    with tempfile.TemporaryDirectory() as data_dir:
        local = {"db": f"sqlite:///{data_dir}/bench.db", "schema": "", "redis": "", "rl": ""}
        prepare_store(local["db"], None)
        prepare_store(shared["db"], shared["schema"])
        try:
            results["per_turn_sqlite_memory"] = uvloop.run(per_turn_cost(local, args.core_messages))
            results["per_turn_postgres_redis"] = uvloop.run(
                per_turn_cost(shared, args.core_messages)
            )
            with replicas(1, local) as servers:
                results["sqlite_memory_x1"] = uvloop.run(measure(servers, args))
            for n in (1, 2):
                with replicas(n, shared) as servers:
                    results[f"postgres_redis_x{n}"] = uvloop.run(measure(servers, args))
        finally:
            drop_schema(shared["db"], shared["schema"])
            uvloop.run(_forget_redis(shared["redis"], shared["rl"]))
    one, two = results["postgres_redis_x1"], results["postgres_redis_x2"]
    local_turn, shared_turn = results["per_turn_sqlite_memory"], results["per_turn_postgres_redis"]
    results["throughput_ratio_2_vs_1"] = round(two["msgs_per_s"] / one["msgs_per_s"], 3)
    results["p99_ratio_2_vs_1"] = round(two["answer_p99_ms"] / one["answer_p99_ms"], 3)
    results["shared_backend_overhead_us_per_turn"] = round(
        shared_turn["turn_us"] - local_turn["turn_us"], 1
    )
    results["redis_limiter_us_per_turn"] = shared_turn["limiter_us"]
    results["throughput_ratio_shared_vs_local_x1"] = round(
        one["msgs_per_s"] / results["sqlite_memory_x1"]["msgs_per_s"], 3
    )
    print(json.dumps(results))


async def _forget_redis(url: str, prefix: str) -> None:
    from redis.asyncio import Redis

    client = Redis.from_url(url)
    try:
        keys = [key async for key in client.scan_iter(match=f"{prefix}*")]
        if keys:
            await client.delete(*keys)
    finally:
        await client.aclose()


if __name__ == "__main__":
    main()
