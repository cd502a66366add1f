"""Staff console inbox latency at scale, on SQLite and PostgreSQL, against a naive console.

    python -m bench.inbox_bench [--scale 1.0] [--backends sqlite,postgres] [--repeat 20]
                                [--baseline-repeat 3] [--postgres-url URL] [--out FILE]

Scale 1.0 generates 100k conversations (about 1M turns) of mixed Chinese and
English over six months with the analytics demo generator (seeded: channels,
languages, intents, failed verifications, ratings, hand-offs), loaded in bulk
by `bench.analytics_bench` (COPY on PostgreSQL), with the message search index
written alongside by `bench.message_search_bench.search_rows`. Hand-offs of the
last day and a half are still with staff or waiting in the queue (and a few
older ones were never picked up); the rest are closed or with the bot.

Each filter combination (`COMBINATIONS`, one to three variants each) runs
through `bot.console.inbox_query.inbox_page` `--repeat` times after a warm-up;
p50/p95/max in milliseconds per combination and the p95 of all calls are
printed per backend. The same combinations then run `--baseline-repeat` times
through the naive console of `bench.inbox_naive` (ORM load of every
conversation, Python filter and sort, LIKE scan for text), fewer times because
each call takes seconds; `same_page` says whether its page (ids and previews)
equals the inbox's. Text search differs by design there (substrings against
whole search terms), so for `q` a different page is expected.

SQLite is a temp file measured without ANALYZE statistics (as a shop's file
would be); PostgreSQL a fresh schema, dropped afterwards, after VACUUM ANALYZE
(as autovacuum leaves it).
"""

from __future__ import annotations

import argparse
import json
import random
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, Engine, Table, create_engine, select
from sqlmodel import col

from analytics.demo_data import DemoSpec, Writer
from analytics.demo_texts import STAFF
from bench.analytics_bench import bulk_writer, prepare
from bench.inbox_naive import naive_page
from bench.message_search_bench import percentiles, postgres_engine, search_rows
from bot.console.inbox_query import InboxFilters, inbox_page
from dialogue.message_search import TURN_SEARCH
from dialogue.transcript_tables import Conversation

DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
END = date(2026, 11, 21)
TIMEZONE = "Asia/Shanghai"
QUEUE_HOURS = 36  # hand-offs this recent are still with staff or waiting
FORGOTTEN_SHARE = 0.002  # older hand-offs left in the queue
DRILL_DOWN_IDS = 1000
SLOW_S = 1.0


def spec_for(scale: float) -> DemoSpec:
    return DemoSpec(
        end=END,
        days=182,
        customers=max(10, int(60_000 * scale)),
        visitors=max(10, int(20_000 * scale)),
        conversations=max(10, int(100_000 * scale)),
        orders=max(10, int(100_000 * scale)),
        extra_exchanges=4.1,  # about ten turns a conversation
        seed=2026,
        timezone=TIMEZONE,
    )


def inbox_writer(dialect: str, seed: int) -> Writer:
    """The bulk writer, giving conversations their console owners and indexing turns."""
    write = bulk_writer(dialect)
    rng = random.Random(seed)
    end = datetime.combine(END + timedelta(days=1), clock_time(0), ZoneInfo(TIMEZONE))
    now = end.astimezone(UTC)

    def writer(conn: Connection, table: Table, rows: list[dict[str, Any]]) -> None:
        if table.name == "conversation":
            for row in rows:
                _console_owner(row, rng, now)
        write(conn, table, rows)
        if table.name == "turn":
            index = search_rows(rows)
            if index:
                write(conn, TURN_SEARCH, index)

    return writer


def _console_owner(row: dict[str, Any], rng: random.Random, now: datetime) -> None:
    row["owner_since"] = row["closed_at"]
    if not row["handed_off"]:
        return
    recent = now - row["last_activity_at"] < timedelta(hours=QUEUE_HOURS)
    if recent or rng.random() < FORGOTTEN_SHARE:
        owner = rng.choices(("waiting", "staff", "closed"), (4, 4, 2))[0]
        if owner != "closed":
            row.update(owner=owner, closed_at=None, owner_since=row["last_activity_at"])
            row["owner_staff"] = rng.choice(STAFF) if owner == "staff" else None


@dataclass(frozen=True)
class Combination:
    name: str
    variants: tuple[InboxFilters, ...]


def combinations(drill_down: tuple[str, ...]) -> list[Combination]:
    f = InboxFilters
    august, june = date(2026, 8, 3), date(2026, 6, 8)
    return [
        Combination("first page", (f(),)),
        Combination("page 20", (f(page=20),)),
        Combination("owner=waiting", (f(owner="waiting"),)),
        Combination("channel+lang", (f(channel="telegram", lang="en"),
                                     f(channel="web", lang="zh"))),
        Combination("intent", (f(intent="get_refund"), f(intent="complaint"),
                               f(intent="greeting"))),
        Combination("failed=1", (f(failed=True),)),
        Combination("csat", (f(csat=1), f(csat=5))),
        Combination("date range", (f(start=august, end=august + timedelta(days=6)),
                                   f(start=june, end=june + timedelta(days=30)))),
        Combination("handed_off", (f(handed_off=True),)),
        Combination("q zh", (f(q="退款"), f(q="现货"), f(q="香港"))),
        Combination("q en", (f(q="refund"), f(q="stock"), f(q="invoice"))),
        Combination("q + filters", (f(q="退款", channel="web", lang="zh"),
                                    f(q="stock", handed_off=True),
                                    f(q="现货", start=august, end=august + timedelta(days=30)))),
        Combination("ids 1000", (f(ids=drill_down),)),
    ]  # fmt: skip


def drill_down_ids(engine: Engine, seed: int) -> tuple[str, ...]:
    """A seeded sample of conversation ids, as an analytics figure would hand over."""
    with engine.connect() as conn:
        ids = sorted(conn.scalars(select(col(Conversation.id))))
    return tuple(random.Random(seed).sample(ids, min(DRILL_DOWN_IDS, len(ids))))


def timed_ms(fn: Any, *args: Any) -> tuple[float, Any]:
    started = time.perf_counter()
    result = fn(*args)
    return (time.perf_counter() - started) * 1000, result


def measure(engine: Engine, args: argparse.Namespace) -> dict[str, Any]:
    figures: dict[str, Any] = {}
    everything: list[float] = []
    naive_everything: list[float] = []
    for combination in combinations(drill_down_ids(engine, args.seed)):
        variants = combination.variants
        _, first = timed_ms(inbox_page, engine, variants[0])  # warm-up
        runs = [
            timed_ms(inbox_page, engine, variants[i % len(variants)]) for i in range(args.repeat)
        ]
        ms = [elapsed for elapsed, _ in runs]
        everything += ms
        entry: dict[str, Any] = {"rows": len(first.rows), "ms": percentiles(ms)}
        if args.baseline_repeat:
            naive_ms, same = [], True
            for i in range(args.baseline_repeat):
                filters = variants[i % len(variants)]
                elapsed, naive = timed_ms(naive_page, engine, filters)
                naive_ms.append(elapsed)
                page = inbox_page(engine, filters)
                same = same and naive == [(r.id, r.preview) for r in page.rows]
            naive_everything += naive_ms
            entry["naive_ms"] = percentiles(naive_ms)
            entry["naive_over_inbox_p50"] = round(
                entry["naive_ms"]["p50"] / max(entry["ms"]["p50"], 1e-3), 1
            )
            entry["same_page"] = same
        figures[combination.name] = entry
        print(_line(combination.name, entry), flush=True)
    overall: dict[str, Any] = {"ms": percentiles(everything)}
    if naive_everything:
        overall["naive_ms"] = percentiles(naive_everything)
        overall["naive_over_inbox_p95"] = round(
            overall["naive_ms"]["p95"] / max(overall["ms"]["p95"], 1e-3), 1
        )
    figures["all calls"] = overall
    print(_line("all calls", overall), flush=True)
    return figures


def _header() -> str:
    return (
        f"{'combination':<16} {'rows':>4} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}"
        f" {'naive p50':>10} {'naive p95':>10} {'ratio':>7} same"
    )


def _line(name: str, e: dict[str, Any]) -> str:
    ms, naive = e["ms"], e.get("naive_ms")
    flag = "  SLOW" if ms["p95"] > SLOW_S * 1000 else ""
    text = (
        f"{name:<16} {e.get('rows', ''):>4} {ms['p50']:>8.1f} {ms['p95']:>8.1f} {ms['max']:>8.1f}"
    )
    if naive:
        ratio = e.get("naive_over_inbox_p50", e.get("naive_over_inbox_p95"))
        text += f" {naive['p50']:>10.1f} {naive['p95']:>10.1f} {ratio:>6}x {e.get('same_page', '')}"
    return text + flag


@contextmanager
def backend_engine(backend: str, args: argparse.Namespace) -> Iterator[Engine]:
    if backend == "sqlite":
        with tempfile.TemporaryDirectory() as tmp:
            engine = create_engine(f"sqlite:///{Path(tmp) / 'inbox.db'}")
            try:
                yield engine
            finally:
                engine.dispose()
    elif backend == "postgres":
        with contextmanager(postgres_engine)(args.postgres_url, "kefu_bench_inbox") as engine:
            yield engine
    else:
        raise ValueError(f"unknown backend {backend!r}")


def run_backend(engine: Engine, args: argparse.Namespace) -> dict[str, Any]:
    spec = replace(spec_for(args.scale), seed=args.seed)
    writer = inbox_writer(engine.dialect.name, args.seed)
    data = prepare(engine, args.scale, False, spec=spec, writer=writer)
    print(f"{engine.dialect.name}: data {json.dumps(data)}", flush=True)
    print(_header(), flush=True)
    return {"backend": engine.dialect.name, "data": data, "figures": measure(engine, args)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--backends", default="sqlite,postgres")
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--baseline-repeat", type=int, default=3, help="0 skips the baseline")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--postgres-url", default=DEFAULT_PG)
    parser.add_argument("--out", type=Path, help="also write the results as JSON here")
    args = parser.parse_args()
    if args.scale <= 0 or args.repeat < 1 or args.baseline_repeat < 0:
        parser.error("--scale and --repeat must be positive, --baseline-repeat not negative")
    backends = args.backends.split(",")
    if unknown := set(backends) - {"sqlite", "postgres"}:
        parser.error(f"unknown backends: {', '.join(sorted(unknown))}")
    results: dict[str, Any] = {"scale": args.scale, "repeat": args.repeat}
    for backend in backends:
        with backend_engine(backend, args) as engine:
            results[backend] = run_backend(engine, args)
        print(json.dumps(results[backend]), flush=True)
    if args.out:
        args.out.write_text(json.dumps(results, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
