"""Search latency at catalog scale: embed the query + hybrid search, p50 / p95.

    python -m bench.retrieval_bench --products 100000 [--embedder packaged] [--kind auto]

Builds an index of N synthetic products (title, description, attributes: three
passages each) in memory. Passage texts are drawn from a word list (the
English product-QA catalog's passages when ../shared/data is present), and
passage vectors are random but clustered, as real embeddings are: a build
needs no model, so the benchmark measures the index, not the embedder's
throughput. Queries are real shopper questions when the data is present.
Each timed query runs the whole search path: tokenise, embed (with the real
embedder when --embedder packaged is given, else a hashing stand-in), filter,
BM25, FAISS, fusion. With the real embedder the same queries run twice in one
run three ways: the shipped pair of embedders (multilingual joined to English,
see retrieval/paired.py) with full weights, the same with the int8 query twin
(`int8_*`, what `KEFU_EMBEDDER_QUERY_QUANTIZE=auto` picks on a CPU), and the
multilingual model alone with full weights (`multilingual_only_*`, the old
default and the baseline) over a 384-wide index of its own.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import random
import resource
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from retrieval.hybrid import HybridRetriever
from retrieval.index import GroupUpdate, HybridIndex, IndexParams
from retrieval.types import EmbedKind, Passage, SearchFilters

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "en_product_qa"
CATEGORIES = ["Electronics / Audio", "Electronics / Phones", "Home / Kitchen", "Toys / Games",
              "Sports / Outdoors", "Beauty", "家装 / 油漆", "数码 / 耳机"]  # fmt: skip
_ZH = "蓝牙 耳机 降噪 电池 续航 墙面 底漆 白色 油漆 儿童 玩具 厨房 水壶 不锈钢 运动 鞋子"
ZH_WORDS = _ZH.split()


class _HashQueryEmbedder:
    """Stands in for the model when none is asked for: cheap, deterministic, right shape."""

    def __init__(self, dimension: int) -> None:
        self.dimension = dimension
        self.name = "hash"

    def encode(self, texts: list[str], kind: EmbedKind = "passage") -> NDArray[np.float32]:
        rng = np.random.default_rng(abs(hash(tuple(texts))) % 2**32)
        v = rng.normal(size=(len(texts), self.dimension)).astype(np.float32)
        return v / np.linalg.norm(v, axis=1, keepdims=True)


def _texts() -> tuple[list[str], list[str]]:
    """Passage texts and queries: the real English QA set when present, else word soup."""
    if (DATA / "catalog.jsonl").exists():
        with open(DATA / "catalog.jsonl", encoding="utf-8") as f:
            texts = [p["text"] for line in f for p in json.loads(line).get("passages", [])]
        with open(DATA / "qa_dev.jsonl", encoding="utf-8") as f:
            queries = [json.loads(line)["question"] for line in f]
        return texts, queries
    rng = random.Random(0)
    words = [f"w{i}" for i in range(20_000)]
    weights = [1 / (i + 1) for i in range(len(words))]
    texts = [" ".join(rng.choices(words, weights, k=rng.randint(5, 40))) for _ in range(20_000)]
    queries = [" ".join(rng.choices(words, weights, k=rng.randint(3, 9))) for _ in range(2000)]
    return texts, queries


def build(n_products: int, dim: int, params: IndexParams) -> tuple[HybridIndex, list[str]]:
    texts, _ = _texts()
    rng = np.random.default_rng(0)
    pick = random.Random(0)
    centres = rng.normal(size=(256, dim)).astype(np.float32)
    index = HybridIndex(dim, "bench", params)
    skus: list[str] = []
    batch: list[GroupUpdate] = []
    for i in range(n_products):
        sku = f"sku-{i:07d}"
        skus.append(sku)
        zh = i % 5 == 0  # a fifth of the catalog in Chinese
        title = " ".join(pick.choices(ZH_WORDS, k=4)) if zh else pick.choice(texts)[:80]
        meta = {"category": CATEGORIES[i % len(CATEGORIES)], "brand": f"brand{i % 500}",
                "price": float(i % 1000), "in_stock": i % 3 != 0}  # fmt: skip
        fields = [("title", f"{title} {sku}"), ("description", pick.choice(texts)),
                  ("attributes", f"color: c{i % 20}; size: s{i % 7}")]  # fmt: skip
        passages = tuple(
            Passage(passage_id=f"{sku}:{f}", kind="product", text=t, lang="zh" if zh else "en",
                    sku=sku, field=f, **meta)  # type: ignore[arg-type]
            for f, t in fields
        )  # fmt: skip
        batch.append(GroupUpdate(f"sku:{sku}", "1", passages))
        if len(batch) == 2000 or i == n_products - 1:
            ids = [p.passage_id for u in batch for p in u.passages]
            x = centres[rng.integers(0, len(centres), len(ids))]
            x = x + 0.8 * rng.normal(size=x.shape).astype(np.float32)
            x /= np.linalg.norm(x, axis=1, keepdims=True)
            index.apply(batch, dict(zip(ids, x, strict=True)), reshape=False)
            batch = []
    index.reshape()
    return index, skus


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--products", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--kind", choices=["auto", "exact", "ivf"], default="auto")
    parser.add_argument("--embedder", choices=["hash", "packaged"], default="hash")
    args = parser.parse_args()

    embedders: dict[str, object] = {"": _HashQueryEmbedder(384)}
    if args.embedder == "packaged":
        from retrieval.embedder import load_embedder
        from retrieval.settings import RetrievalSettings

        # The joined pair with full weights and with the int8 query twin (the default on
        # a CPU), and the baseline: the multilingual model alone with full weights.
        embedders = {
            "": load_embedder(RetrievalSettings(embedder_query_quantize="none")),
            "int8_": load_embedder(RetrievalSettings(embedder_query_quantize="int8")),
            "multilingual_only_": load_embedder(
                RetrievalSettings(embedder_english="", embedder_query_quantize="none")
            ),
        }
    summary: dict[str, object] = {"products": args.products, "embedder": args.embedder}
    indexes: dict[int, tuple[HybridIndex, list[str]]] = {}
    for prefix, embedder in embedders.items():
        dim = embedder.dimension  # type: ignore[attr-defined]
        if dim not in indexes:  # one index per vector width, built once
            start = time.perf_counter()
            indexes[dim] = build(args.products, dim, IndexParams(kind=args.kind))
            index = indexes[dim][0]
            summary |= {
                f"dim{dim}_passages": index.n_passages,
                f"dim{dim}_index": index.dense.kind,
                f"dim{dim}_nlist": index.dense.nlist,
                f"dim{dim}_nprobe": index.dense.nprobe,
                f"dim{dim}_build_s": round(time.perf_counter() - start, 1),
            }
        index, skus = indexes[dim]
        retriever = HybridRetriever(index, embedder)  # type: ignore[arg-type]
        for name, values in time_searches(retriever, skus, args.queries).items():
            values.sort()
            summary[f"{prefix}{name}_p50_ms"] = round(values[len(values) // 2], 2)
            summary[f"{prefix}{name}_p95_ms"] = round(values[int(len(values) * 0.95) - 1], 2)
    if args.embedder == "packaged":
        alone = summary["multilingual_only_search_p95_ms"]
        for prefix in ("", "int8_"):
            pair = summary[f"{prefix}search_p95_ms"]
            assert isinstance(pair, float) and isinstance(alone, float)
            summary[f"{prefix}p95_search_vs_multilingual_only"] = round(pair / alone, 2)
    summary |= {
        "max_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024,
        "cpus": len(os.sched_getaffinity(0)),
        "load_avg_1m": round(os.getloadavg()[0], 1),
    }
    print(json.dumps(summary))


def time_searches(retriever: HybridRetriever, skus: list[str], n: int) -> dict[str, list[float]]:
    """Wall and CPU milliseconds of `n` searches, the same queries and filters every call."""
    _, queries = _texts()
    pick = random.Random(1)
    filter_mix = [
        None,
        SearchFilters(kinds=("product",)),
        SearchFilters(category="Electronics"),
        SearchFilters(min_price=100, max_price=300, in_stock=True),
        SearchFilters(sku=pick.choice(skus)),
    ]
    retriever.search(queries[0], 10)  # warm-up: tokeniser dictionary, first allocations
    # Wall time, and the CPU time this process spent: on a shared machine the
    # second says what an idle one would see (the search path is single-threaded
    # but for FAISS, which may spread one query over the cores).
    names = ("search", "products", "cpu_search", "cpu_products")
    timings: dict[str, list[float]] = {name: [] for name in names}
    for i in range(n):
        query = pick.choice(queries)
        filters = filter_mix[i % len(filter_mix)]
        calls: list[tuple[str, Callable[[], object]]] = [
            ("search", functools.partial(retriever.search, query, 10, filters)),
            ("products", functools.partial(retriever.search_products, query, 10)),
        ]
        for name, call in calls:
            wall, cpu = time.perf_counter(), time.process_time()
            call()
            timings[name].append((time.perf_counter() - wall) * 1000)
            timings[f"cpu_{name}"].append((time.process_time() - cpu) * 1000)
    return timings


if __name__ == "__main__":
    main()
