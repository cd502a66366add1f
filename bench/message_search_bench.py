"""Message search latency at scale, on SQLite (FTS5) and PostgreSQL (tsvector + GIN).

    python -m bench.message_search_bench [--scale 1.0] [--backends sqlite,postgres]
                                         [--queries 200] [--baseline-queries 200]
                                         [--sqlite-path FILE] [--postgres-url URL]

Scale 1.0 generates 100k conversations of about ten turns each (about 1M turns)
of mixed Chinese and English shop talk from fixed templates and a fixed seed,
stores the turns, and builds the search index from them with the terms
`dialogue.message_search` would write. Then `--queries` seeded queries (one to
three words taken from the generated text, Chinese and English, order ids, and
a few that match nothing) run through `search_conversations` after a warm-up;
the first `--baseline-queries` of them also run as a plain
`LIKE '%term%'` scan over the turn table with the same ordering and limit.
p50/p95/max in milliseconds and the baseline ratio are printed as one JSON line
per backend.
"""

from __future__ import annotations

import argparse
import functools
import json
import random
import statistics
import tempfile
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, and_, create_engine, func, insert, select, text
from sqlmodel import SQLModel

from dialogue.message_search import (
    SEARCHED_ROLES,
    TURN_SEARCH,
    search_conversations,
    search_terms,
)
from dialogue.transcript_tables import Conversation, Turn

DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
START = datetime(2026, 1, 1, tzinfo=UTC)
LIMIT = 50

PRODUCTS_EN = [
    "headphones",
    "earbuds",
    "kettle",
    "air fryer",
    "desk lamp",
    "backpack",
    "running shoes",
    "phone case",
    "blender",
    "rice cooker",
    "smart watch",
    "tent",
]
PRODUCTS_ZH = [
    "降噪耳机",
    "蓝牙耳机",
    "电热水壶",
    "空气炸锅",
    "台灯",
    "双肩包",
    "跑鞋",
    "手机壳",
    "破壁机",
    "电饭煲",
    "智能手表",
    "帐篷",
]
COLORS_EN = ["black", "white", "blue", "red", "green", "grey"]
COLORS_ZH = ["黑色", "白色", "蓝色", "红色", "绿色", "灰色"]
USER_EN = [
    "Do the {p} come in {c}?",
    "Where is my order {o}? It was due on Monday.",
    "How long does the battery of the {p} last?",
    "Can I return the {p} if it does not fit?",
    "Is the {c} {p} in stock?",
    "My {p} arrived broken, I want a refund.",
    "What is the warranty on the {p}?",
    "Do you ship the {p} to Hong Kong?",
]
USER_ZH = [
    "{p}有{c}的吗？",
    "我的订单{o}到哪了？",
    "{p}的电池能用多久？",
    "{p}不合适可以退货吗？",
    "{c}的{p}有货吗？",
    "收到的{p}坏了，我要退款",
    "{p}保修多久？",
    "{p}能寄到香港吗？",
]
ANSWER_EN = [
    "Yes, the {p} come in {c} and grey.",
    "Order {o} left our warehouse and arrives in two days.",
    "The {p} last about 30 hours on one charge.",
    "You can return the {p} within 7 days.",
    "The {c} {p} are in stock, 12 left.",
    "Sorry to hear that, a refund for the {p} is on its way.",
]
ANSWER_ZH = [
    "{p}有{c}和灰色两种。",
    "订单{o}已经发货，预计两天内送达。",
    "{p}充满电可以使用约30小时。",
    "{p}支持7天无理由退货。",
    "{c}的{p}有货，还剩12件。",
    "抱歉，{p}的退款已经提交。",
]


@dataclass(frozen=True)
class Generated:
    conversations: int
    turns: int


def fill(template: str, rng: random.Random, zh: bool, order: str) -> str:
    product = rng.choice(PRODUCTS_ZH if zh else PRODUCTS_EN)
    color = rng.choice(COLORS_ZH if zh else COLORS_EN)
    return template.format(p=product, c=color, o=order)


def conversations(scale: float, seed: int) -> Iterator[tuple[dict[str, Any], list[dict[str, Any]]]]:
    """Conversation rows with their turns, mixed Chinese and English, reproducible."""
    rng = random.Random(seed)
    count = int(100_000 * scale)
    for n in range(count):
        zh = rng.random() < 0.5
        cid = f"c{n:07d}"
        start = START + timedelta(seconds=int(n * 300 / max(scale, 0.001)) + rng.randrange(300))
        order = f"A-{rng.randrange(1000, 99999)}"
        turns: list[dict[str, Any]] = []
        for i in range(rng.randrange(3, 9) * 2 if rng.random() < 0.9 else 2):
            user = i % 2 == 0
            if user:
                message = fill(rng.choice(USER_ZH if zh else USER_EN), rng, zh, order)
            else:
                message = fill(rng.choice(ANSWER_ZH if zh else ANSWER_EN), rng, zh, order)
            turns.append({
                "id": f"{cid}-{i}", "conversation_id": cid, "message_id": f"m{i}",
                "role": "user" if user else "assistant", "text": message,
                "created_at": start + timedelta(seconds=20 * i),
                "passages": [], "claims": [], "citations": [], "cards": [], "latency_ms": {},
            })  # fmt: skip
        conversation = {
            "id": cid, "channel": "web", "lang": "zh" if zh else "en",
            "started_at": start, "last_activity_at": turns[-1]["created_at"], "state": {},
        }  # fmt: skip
        yield conversation, turns


@functools.lru_cache(maxsize=200_000)
def _joined_terms(text_: str) -> str:
    # generated text repeats a lot; the tokenizer is the slow part of a bulk index
    return " ".join(search_terms(text_))


def search_rows(turns: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """`turn_search` rows for turn rows, by the rules `index_turns` applies.

    Roles outside SEARCHED_ROLES and texts without a search term get no row.
    """
    rows = []
    for turn in turns:
        terms = _joined_terms(turn["text"]) if turn["role"] in SEARCHED_ROLES else ""
        if terms:
            rows.append({
                "turn_id": turn["id"], "conversation_id": turn["conversation_id"],
                "created_at": turn["created_at"].astimezone(UTC), "terms": terms,
            })  # fmt: skip
    return rows


def generate(engine: Engine, scale: float, seed: int) -> tuple[Generated, float]:
    """Store the conversations and turns, then the index rows; (counts, seconds to index)."""
    conversation_table = Conversation.__table__  # type: ignore[attr-defined]
    turn_table = Turn.__table__  # type: ignore[attr-defined]
    convs: list[dict[str, Any]] = []
    turns: list[dict[str, Any]] = []
    total_turns = total_convs = 0
    index_rows: list[dict[str, Any]] = []
    index_s = 0.0

    def flush() -> None:
        nonlocal index_s
        with engine.begin() as connection:
            connection.execute(insert(conversation_table), convs)
            connection.execute(insert(turn_table), turns)
        started = time.perf_counter()
        with engine.begin() as connection:
            connection.execute(insert(TURN_SEARCH), index_rows)
        index_s += time.perf_counter() - started
        convs.clear()
        turns.clear()
        index_rows.clear()

    for conversation, its_turns in conversations(scale, seed):
        convs.append(conversation)
        turns.extend(its_turns)
        index_rows.extend(search_rows(its_turns))
        total_convs += 1
        total_turns += len(its_turns)
        if len(turns) >= 20_000:
            flush()
    if turns:
        flush()
    return Generated(total_convs, total_turns), index_s


def queries(n: int, seed: int) -> list[str]:
    """Seeded queries: words and phrases that occur, order ids, and some that never do."""
    rng = random.Random(seed + 1)
    made: list[str] = []
    for i in range(n):
        kind = i % 8
        if kind == 0:
            made.append(rng.choice(PRODUCTS_EN))
        elif kind == 1:
            made.append(rng.choice(PRODUCTS_ZH))
        elif kind == 2:
            made.append(f"{rng.choice(COLORS_EN)} {rng.choice(PRODUCTS_EN)}")
        elif kind == 3:
            made.append(f"{rng.choice(COLORS_ZH)}{rng.choice(PRODUCTS_ZH)}")
        elif kind == 4:
            made.append(f"A-{rng.randrange(1000, 99999)}")
        elif kind == 5:
            made.append(rng.choice(["refund", "退款", "warranty", "保修", "退货", "Hong Kong"]))
        elif kind == 6:
            made.append(
                rng.choice(["battery last hours", "7天无理由退货", "arrived broken refund"])
            )
        else:
            made.append(rng.choice(["submarine", "潜水艇", "quantum flux", "量子"]))
    return made


def like_search(engine: Engine, query: str, limit: int = LIMIT) -> list[str]:
    """The baseline: every term as a substring of the message text, scanned."""
    turn = Turn.__table__  # type: ignore[attr-defined]
    terms = search_terms(query)
    if not terms:
        return []
    condition = and_(
        turn.c.role.in_(["user", "assistant", "staff"]),
        *(func.lower(turn.c.text).like(f"%{term}%") for term in terms),
    )
    statement = (
        select(turn.c.conversation_id)
        .where(condition)
        .group_by(turn.c.conversation_id)
        .order_by(func.max(turn.c.created_at).desc(), turn.c.conversation_id)
        .limit(limit)
    )
    with engine.connect() as connection:
        return [row[0] for row in connection.execute(statement)]


def timed_ms(fn: Any, query: str) -> tuple[float, int]:
    started = time.perf_counter()
    found = fn(query)
    return (time.perf_counter() - started) * 1000, len(found)


def percentiles(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)

    def at(q: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 2)

    return {"p50": round(statistics.median(ordered), 2), "p95": at(0.95), "max": at(1.0)}


def run_backend(engine: Engine, args: argparse.Namespace) -> dict[str, Any]:
    SQLModel.metadata.create_all(engine, tables=[Conversation.__table__, Turn.__table__])  # type: ignore[attr-defined]
    SQLModel.metadata.create_all(engine, tables=[TURN_SEARCH])
    started = time.perf_counter()
    generated, index_s = generate(engine, args.scale, args.seed)
    load_s = time.perf_counter() - started
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("VACUUM ANALYZE"))
    qs = queries(args.queries, args.seed)
    for query in qs[:10]:  # warm-up
        search_conversations(engine, query, limit=LIMIT)

    def fts(query: str) -> list[str]:
        return search_conversations(engine, query, limit=LIMIT)

    search = [timed_ms(fts, query) for query in qs]
    baseline = [timed_ms(lambda q: like_search(engine, q), q) for q in qs[: args.baseline_queries]]
    search_ms = percentiles([ms for ms, _ in search])
    like_ms = percentiles([ms for ms, _ in baseline])
    return {
        "backend": engine.dialect.name,
        "conversations": generated.conversations,
        "turns": generated.turns,
        "load_s": round(load_s, 1),
        "index_insert_s": round(index_s, 1),
        "queries": len(search),
        "queries_with_hits": sum(1 for _, hits in search if hits),
        "search_ms": search_ms,
        "baseline_queries": len(baseline),
        "like_ms": like_ms,
        "like_over_search_p50": round(like_ms["p50"] / max(search_ms["p50"], 1e-3), 1),
        "like_over_search_p95": round(like_ms["p95"] / max(search_ms["p95"], 1e-3), 1),
    }


def postgres_engine(url: str, prefix: str = "kefu_bench_search") -> Iterator[Engine]:
    """An engine on a new schema, dropped afterwards."""
    admin = create_engine(url)
    schema = f"{prefix}_{int(time.time())}"
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine = create_engine(url, connect_args={"options": f"-csearch_path={schema}"})
    try:
        yield engine
    finally:
        engine.dispose()
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--backends", default="sqlite,postgres")
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--baseline-queries", type=int, default=200)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--sqlite-path", type=Path, default=None)
    parser.add_argument("--postgres-url", default=DEFAULT_PG)
    args = parser.parse_args()
    for backend in args.backends.split(","):
        if backend == "sqlite":
            with tempfile.TemporaryDirectory() as tmp:
                path = args.sqlite_path or Path(tmp) / "search.db"
                path.unlink(missing_ok=True)
                engine = create_engine(f"sqlite:///{path}")
                print(json.dumps(run_backend(engine, args)), flush=True)
                engine.dispose()
        elif backend == "postgres":
            for engine in postgres_engine(args.postgres_url):
                print(json.dumps(run_backend(engine, args)), flush=True)
        else:
            parser.error(f"unknown backend {backend!r}")


if __name__ == "__main__":
    main()
