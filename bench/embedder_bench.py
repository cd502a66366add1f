"""Embedder speed: single-query latency and passage throughput for the packaged models.

Query latency is measured with full (float32) weights and with the int8 query twin
(`KEFU_EMBEDDER_QUERY_QUANTIZE`) in the same run, with the cosine between the two
vectors of each query: how far int8 moves a query from where float32 puts it.

    python -m bench.embedder_bench [--models packaged:multilingual-e5-small ...]

Queries are shopper questions (English ones from ../shared/data when present,
plus Chinese ones written here); passages are product-page fragments from the
same data, or built-in texts without it. Times are wall-clock on this process's
CPUs after a warm-up.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

import numpy as np

from retrieval.embedder import SentenceTransformerEmbedder, configure_torch_threads
from retrieval.model_files import resolve_model_dir
from retrieval.settings import RetrievalSettings

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
ZH_QUERIES = [
    "退货政策是什么",
    "这款耳机支持降噪吗",
    "订单什么时候发货",
    "300元以下的跑步鞋",
    "可以开发票吗",
    "蓝牙耳机续航多久",
    "我想换一个颜色",
    "包邮吗",
    "尺码偏大还是偏小",
    "怎么申请退款",
]
FALLBACK_PASSAGES = [
    "Return policy: unworn items can be returned within 30 days for a full refund.",
    "退货政策：商品签收后7天内可无理由退货，需保持包装完好。",
    "Wireless noise-cancelling earbuds with 30 hours of battery life and USB-C charging.",
    "这款蓝牙耳机支持主动降噪，单次续航8小时，配合充电盒可达32小时。",
]


def load_queries(n: int) -> list[str]:
    english: list[str] = []
    path = DATA / "en_intents" / "intents_dev.jsonl"
    if path.is_file():
        with path.open(encoding="utf-8") as fh:
            english = [json.loads(line)["text"] for line in fh][: n * 2]
    english = english or ["how do I return an item", "where is my order", "is it in stock"]
    # every fifth query is Chinese, the rest English
    return [ZH_QUERIES[i % len(ZH_QUERIES)] if i % 5 == 4 else english[i % len(english)]
            for i in range(n)]  # fmt: skip


def load_passages(n: int) -> list[str]:
    texts: list[str] = []
    path = DATA / "en_product_qa" / "catalog.jsonl"
    if path.is_file():
        with path.open(encoding="utf-8") as fh:
            for line in fh:
                texts += [p["text"] for p in json.loads(line).get("passages", [])]
                if len(texts) >= n:
                    break
    texts = texts or FALLBACK_PASSAGES
    return [texts[i % len(texts)] for i in range(n)]


def query_latencies(embedder: SentenceTransformerEmbedder, queries: list[str]) -> list[float]:
    for q in queries[:10]:  # warm-up
        embedder.encode([q], kind="query")
    latencies = []
    for q in queries:
        start = time.perf_counter()
        embedder.encode([q], kind="query")
        latencies.append((time.perf_counter() - start) * 1000)
    return sorted(latencies)


def bench(spec: str, models_dir: Path, queries: list[str], passages: list[str], batch: int) -> None:
    t0 = time.perf_counter()
    resolved = resolve_model_dir(spec, models_dir)
    t1 = time.perf_counter()
    embedder = SentenceTransformerEmbedder(
        resolved.source, name=resolved.name, batch_size=batch, query_quantize="none"
    )
    t2 = time.perf_counter()
    int8 = SentenceTransformerEmbedder(resolved.source, batch_size=batch, query_quantize="int8")
    figures = {}
    for label, model in (("float32", embedder), ("int8", int8)):
        latencies = query_latencies(model, queries)
        p50 = statistics.median(latencies)
        figures[label] = p50
        print(
            f"{resolved.name} query latency over {len(queries)}, {label}: "
            f"p50 {p50:.1f} ms, p95 {latencies[int(0.95 * (len(latencies) - 1))]:.1f} ms"
        )
    cosine = np.sum(int8.encode(queries, "query") * embedder.encode(queries, "query"), axis=1)
    print(
        f"{resolved.name} int8 queries: {figures['float32'] / figures['int8']:.2f}x faster at p50; "
        f"cosine to float32 mean {cosine.mean():.4f}, min {cosine.min():.4f}"
    )

    embedder.encode(passages[:batch], kind="passage")
    start = time.perf_counter()
    embedder.encode(passages, kind="passage")
    throughput = len(passages) / (time.perf_counter() - start)
    mean_chars = sum(map(len, passages)) / len(passages)
    print(
        f"{resolved.name}: resolve {t1 - t0:.1f}s, load {t2 - t1:.1f}s | "
        f"passages: {throughput:.1f} texts/s (batch {batch}, {len(passages)} texts, "
        f"mean {mean_chars:.0f} chars)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--models",
        nargs="+",
        default=["packaged:multilingual-e5-small", "packaged:all-minilm-l6-v2"],
    )
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--passages", type=int, default=256)
    parser.add_argument("--batch", type=int, default=32)
    args = parser.parse_args()
    settings = RetrievalSettings()
    threads = configure_torch_threads(settings.embedder_threads)
    queries, passages = load_queries(args.queries), load_passages(args.passages)
    print(f"torch threads: {threads}; data: {DATA if DATA.is_dir() else 'built-in texts'}")
    for spec in args.models:
        bench(spec, settings.models_dir, queries, passages, args.batch)


if __name__ == "__main__":
    main()
