"""Dense search at catalog scale: the automatic IVF index against exact FAISS, in one run.

Synthetic clustered unit vectors (384-d, like multilingual-e5-small) stand in for
catalog passages. For each size it prints build time, single-query latency p50/p95,
queries/s, IVF recall@10 against exact search, and index bytes per vector.

    python -m bench.ann_bench --sizes 10000 100000 1000000
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
from numpy.typing import NDArray

from retrieval.dense import DenseIndex

DIM = 384


def clustered_vectors(n: int, rng: np.random.Generator, centers: int = 2000) -> NDArray[np.float32]:
    """Unit vectors around random topic centres, as real embeddings cluster by product kind."""
    middle = rng.standard_normal((centers, DIM)).astype(np.float32)
    out = np.empty((n, DIM), dtype=np.float32)
    for start in range(0, n, 100_000):
        stop = min(n, start + 100_000)
        picks = rng.integers(0, centers, stop - start)
        noise = rng.standard_normal((stop - start, DIM)).astype(np.float32)
        block = middle[picks] + 0.6 * noise
        out[start:stop] = block / np.linalg.norm(block, axis=1, keepdims=True)
    return out


def build(kind: str, vectors: NDArray[np.float32]) -> tuple[DenseIndex, float]:
    t0 = time.perf_counter()
    index = DenseIndex(DIM, "exact")
    index.add(list(range(len(vectors))), vectors)
    if kind == "ivf":
        index.rebuild("ivf")
    return index, time.perf_counter() - t0


def time_queries(
    index: DenseIndex, queries: NDArray[np.float32], k: int
) -> tuple[list[float], list[NDArray[np.int64]]]:
    latencies, results = [], []
    for q in queries:
        t0 = time.perf_counter()
        rows, _ = index.search(q, k)
        latencies.append((time.perf_counter() - t0) * 1000)
        results.append(rows)
    return latencies, results


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def state_bytes(index: DenseIndex) -> int:
    import faiss

    return sum(a.nbytes for a in index.to_state().values()) + int(
        faiss.serialize_index(index._index).nbytes  # the FAISS part of what is saved
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--k", type=int, default=10)
    parser.add_argument("--threads", type=int, default=1, help="FAISS OpenMP threads")
    args = parser.parse_args()
    import faiss

    # one query at a time, as the gateway's search workers issue them
    faiss.omp_set_num_threads(args.threads)
    rng = np.random.default_rng(0)
    print("size     kind   build_s  p50_ms  p95_ms   qps    recall@10  bytes/vec  speedup_p50")
    for n in args.sizes:
        vectors = clustered_vectors(n, rng)
        pick = rng.choice(n, args.queries, replace=False)
        queries = vectors[pick] + 0.3 * rng.standard_normal((args.queries, DIM)).astype(np.float32)
        queries /= np.linalg.norm(queries, axis=1, keepdims=True)
        exact, exact_build = build("exact", vectors)
        exact_lat, truth = time_queries(exact, queries, args.k)
        exact_bytes = state_bytes(exact) / n
        del exact
        ivf, ivf_build = build("ivf", vectors)
        ivf_lat, found = time_queries(ivf, queries, args.k)
        recall = statistics.mean(
            len(set(f.tolist()) & set(t.tolist())) / args.k
            for f, t in zip(found, truth, strict=True)
        )
        for kind, lat, seconds, rec, size in (
            ("exact", exact_lat, exact_build, 1.0, exact_bytes),
            (f"ivf{ivf.nlist}/{ivf.nprobe}", ivf_lat, ivf_build, recall, state_bytes(ivf) / n),
        ):
            print(
                f"{n:<8} {kind:<6} {seconds:7.1f} {pct(lat, 0.5):7.2f} {pct(lat, 0.95):7.2f} "
                f"{1000 / statistics.mean(lat):7.0f} {rec:9.3f} {size:10.0f} "
                f"{pct(exact_lat, 0.5) / pct(lat, 0.5):10.1f}x",
                flush=True,
            )
        del ivf, vectors


if __name__ == "__main__":
    main()
