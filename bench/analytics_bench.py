"""Dashboard query latency at scale, on SQLite and PostgreSQL.

    python -m bench.analytics_bench [--scale 1.0] [--backends sqlite,postgres] [--repeat 20]
                                    [--sqlite-path FILE] [--postgres-url URL] [--reuse]

Scale 1.0 generates 100k conversations (about 1M turns), about 1M orders and
100k customers over a year with the demo generator, loaded in bulk (COPY on
PostgreSQL). Each dashboard query (analytics.report.QUERIES) then runs
`--repeat` times after a warm-up, cycling through typical filter sets on the
last 30 days (all traffic, one channel, one language, both) and a 7-day range;
p50/p95/max are reported per query and for the whole page. SQLite is measured
without ANALYZE statistics (as a shop's file would be); PostgreSQL after
VACUUM ANALYZE (as autovacuum leaves it), with JIT off as build_report sets
it. `--reuse` keeps data already generated at the same scale.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, Table, create_engine, func, select, text
from sqlalchemy.sql.schema import ScalarElementColumnDefault
from sqlmodel import SQLModel

from analytics.demo_data import DemoSpec, Writer, generate_demo_data
from analytics.filters import Filters, Scope
from analytics.report import QUERIES
from analytics.schema import init_analytics_schema
from analytics.settings import AnalyticsSettings
from analytics.sql import CONVERSATION, for_analytics

END = date(2026, 11, 21)
AS_OF = datetime(2026, 11, 22, 8, tzinfo=UTC)
DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def spec_for(scale: float) -> DemoSpec:
    return DemoSpec(
        end=END,
        days=365,
        customers=int(100_000 * scale),
        visitors=int(30_000 * scale),
        conversations=int(100_000 * scale),
        orders=int(1_000_000 * scale),
        extra_exchanges=4.1,  # about ten turns a conversation
        seed=2026,
    )


def filter_sets() -> list[Filters]:
    last30 = Filters.last_days(30, END)
    return [
        last30,
        Filters(last30.start, last30.end, channels=("web",)),
        Filters(last30.start, last30.end, langs=("zh",)),
        Filters(last30.start, last30.end, channels=("telegram",), langs=("en",)),
        Filters.last_days(7, END),
    ]


def bulk_writer(dialect: str) -> Callable[[Connection, Table, list[dict[str, Any]]], None]:
    """COPY on PostgreSQL, plain executemany of pre-serialised values on SQLite.

    Each column gets its converter once (by its SQL type), not a type test a value.
    """

    def sqlite_time(v: datetime | None) -> str | None:
        # the text SQLAlchemy stores for a UTC datetime on SQLite
        if v is None:
            return None
        return v.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")

    def as_json(v: Any) -> str:
        return "[]" if v == [] else "{}" if v == {} else json.dumps(v, ensure_ascii=False)

    def converters(table: Table, columns: list[str]) -> list[Callable[[Any], Any]]:
        out: list[Callable[[Any], Any]] = []
        for name in columns:
            kind = type(table.c[name].type).__name__
            if kind == "JSON":
                out.append(as_json)
            elif kind == "UTCDateTime" and dialect == "sqlite":
                out.append(sqlite_time)
            else:
                out.append(lambda v: v)
        return out

    def defaults(table: Table, given: list[str]) -> dict[str, Any]:
        # Raw COPY / INSERT skips the model's Python-side defaults, so a column added
        # to the model later (with a default) would otherwise arrive as NULL.
        return {
            column.name: column.default.arg
            for column in table.columns
            if column.name not in given and isinstance(column.default, ScalarElementColumnDefault)
        }

    def write(conn: Connection, table: Table, rows: list[dict[str, Any]]) -> None:
        filled = defaults(table, list(rows[0]))
        if filled:
            rows = [filled | row for row in rows]
        columns = list(rows[0])
        convert = list(zip(columns, converters(table, columns), strict=True))
        names = ", ".join(f'"{c}"' for c in columns)
        if dialect == "postgresql":
            raw = conn.connection.driver_connection
            with raw.cursor().copy(f'COPY "{table.name}" ({names}) FROM STDIN') as copy:  # type: ignore[union-attr]
                for row in rows:
                    copy.write_row([f(row[c]) for c, f in convert])
            return
        marks = ", ".join("?" for _ in columns)
        conn.exec_driver_sql(
            f'INSERT INTO "{table.name}" ({names}) VALUES ({marks})',
            [tuple(f(row[c]) for c, f in convert) for row in rows],
        )

    return write


def prepare(
    engine: Engine,
    scale: float,
    reuse: bool,
    *,
    spec: DemoSpec | None = None,
    writer: Writer | None = None,
) -> dict[str, Any]:
    """Demo data for `spec` (default: this benchmark's at `scale`), written by `writer`.

    `writer` defaults to `bulk_writer`; another benchmark may wrap it to shape or
    index the rows on their way in.
    """
    spec = spec or spec_for(scale)
    SQLModel.metadata.create_all(engine)
    init_analytics_schema(engine)
    with engine.connect() as conn:
        have = conn.scalar(select(func.count()).select_from(CONVERSATION))
    data: dict[str, Any] = {"generated": False, "conversations": have}
    if not (reuse and have == spec.conversations):
        started = time.perf_counter()
        summary = generate_demo_data(
            engine, spec, batch=50_000, writer=writer or bulk_writer(engine.dialect.name)
        )
        data = {"generated": True, "seconds": round(time.perf_counter() - started, 1)}
        data.update(summary.__dict__)
    if engine.dialect.name == "postgresql":
        # what autovacuum leaves behind after a bulk load: statistics, visibility map
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))
    return data


def measure(engine: Engine, repeat: int) -> dict[str, dict[str, float]]:
    settings = AnalyticsSettings(timezone="Asia/Shanghai")
    scopes = [Scope(f, settings, AS_OF) for f in filter_sets()]
    times: dict[str, list[float]] = {name: [] for name in QUERIES}
    times["page"] = []
    with engine.connect() as conn:
        for_analytics(conn)  # what build_report does: no JIT on PostgreSQL
        for query in QUERIES.values():  # warm-up: caches, statement compilation
            query(conn, scopes[0])
        for i in range(repeat):
            scope = scopes[i % len(scopes)]
            page = 0.0
            for name, query in QUERIES.items():
                started = time.perf_counter()
                query(conn, scope)
                elapsed = time.perf_counter() - started
                times[name].append(elapsed)
                page += elapsed
            times["page"].append(page)
    return {name: _summary(values) for name, values in times.items()}


def _summary(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    p95 = ordered[max(0, -(-len(ordered) * 95 // 100) - 1)]
    return {
        "p50_s": round(statistics.median(ordered), 3),
        "p95_s": round(p95, 3),
        "max_s": round(ordered[-1], 3),
    }


def engine_for(backend: str, args: argparse.Namespace) -> Engine:
    if backend == "sqlite":
        path = Path(args.sqlite_path)
        if not args.reuse and path.exists():
            path.unlink()
        return create_engine(f"sqlite:///{path}")
    admin = create_engine(args.postgres_url)
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        if not args.reuse:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{args.schema}" CASCADE'))
        conn.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{args.schema}"'))
    admin.dispose()
    return create_engine(
        args.postgres_url, connect_args={"options": f"-csearch_path={args.schema} -ctimezone=UTC"}
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--backends", default="sqlite,postgres")
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument(
        "--sqlite-path", default=str(Path(tempfile.gettempdir()) / "kefu-analytics-bench.db")
    )
    parser.add_argument("--postgres-url", default=DEFAULT_PG)
    parser.add_argument("--schema", default="kefu_analytics_bench")
    parser.add_argument("--reuse", action="store_true", help="keep data of the same scale")
    parser.add_argument("--out", type=Path, help="also write the results as JSON here")
    args = parser.parse_args()
    results: dict[str, Any] = {"scale": args.scale, "repeat": args.repeat}
    for backend in args.backends.split(","):
        engine = engine_for(backend, args)
        data = prepare(engine, args.scale, args.reuse)
        print(f"{backend}: data {json.dumps(data)}", flush=True)
        figures = measure(engine, args.repeat)
        results[backend] = {"data": data, "queries": figures}
        print(f"{'query':<20} {'p50 s':>8} {'p95 s':>8} {'max s':>8}")
        for name, f in figures.items():
            print(f"{name:<20} {f['p50_s']:>8.3f} {f['p95_s']:>8.3f} {f['max_s']:>8.3f}")
        engine.dispose()
    if args.out:
        args.out.write_text(json.dumps(results, indent=2))
    print(json.dumps(results))


if __name__ == "__main__":
    main()
