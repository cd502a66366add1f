"""Measure a Retriever: product ranking (recall@k, MRR) and in-product evidence recall.

The runners read evaluation lines already parsed, time every search
(embedding included), write one prediction per line and return the summary
the `kefu eval` commands print.
"""

from __future__ import annotations

import functools
import json
import math
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from retrieval.types import Retriever, SearchFilters

# Product ranking lists at least this many SKUs per query.
RANKED_MIN = 10


@dataclass(frozen=True)
class RetrievalCase:
    query: str
    relevant: tuple[str, ...]


@dataclass(frozen=True)
class EvidenceCase:
    question: str
    sku: str | None
    evidence: tuple[str, ...]


@dataclass(frozen=True)
class BadLine:
    line: int
    reason: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.reason}"


def read_jsonl(path: Path) -> Iterator[tuple[int, dict[str, Any] | BadLine]]:
    """(line number, object) per non-blank line; a line that is not a JSON object is a BadLine."""
    with open(path, encoding="utf-8") as f:
        for number, line in enumerate(f, start=1):
            if not line.strip():
                continue
            try:
                value = json.loads(line)
            except json.JSONDecodeError as exc:
                yield number, BadLine(number, f"not JSON: {exc.msg}")
                continue
            if not isinstance(value, dict):
                yield number, BadLine(number, "not a JSON object")
                continue
            yield number, value


def _strings(value: Any) -> tuple[str, ...] | None:
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(value)
    return None


def parse_retrieval_case(number: int, data: dict[str, Any]) -> RetrievalCase | BadLine:
    query, relevant = data.get("query"), _strings(data.get("relevant"))
    if not isinstance(query, str) or not query.strip():
        return BadLine(number, '"query" must be a non-empty string')
    if relevant is None:
        return BadLine(number, '"relevant" must be a list of SKU strings')
    return RetrievalCase(query, relevant)


def parse_evidence_case(number: int, data: dict[str, Any]) -> EvidenceCase | BadLine:
    question, evidence = data.get("question"), _strings(data.get("evidence", []))
    sku = data.get("sku")
    if not isinstance(question, str) or not question.strip():
        return BadLine(number, '"question" must be a non-empty string')
    if evidence is None:
        return BadLine(number, '"evidence" must be a list of strings')
    if sku is not None and not isinstance(sku, str):
        return BadLine(number, '"sku" must be a string')
    return EvidenceCase(question, sku or None, evidence)


def normalise_text(text: str) -> str:
    return " ".join(text.split()).casefold()


def evidence_found(evidence: Iterable[str], sources: Iterable[str]) -> bool:
    """A gold evidence text equals a source, or lies inside one (a long text cut in chunks)."""
    gold = [normalise_text(e) for e in evidence if e.strip()]
    found = [normalise_text(s) for s in sources]
    return any(g == s or g in s for g in gold for s in found)


def recall_at(ranked: Sequence[str], relevant: Iterable[str], k: int) -> float:
    wanted = set(relevant)
    return len(wanted & set(ranked[:k])) / len(wanted) if wanted else 0.0


def reciprocal_rank(ranked: Sequence[str], relevant: Iterable[str], k: int) -> float:
    wanted = set(relevant)
    for i, sku in enumerate(ranked[:k], start=1):
        if sku in wanted:
            return 1.0 / i
    return 0.0


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100); 0.0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


def _timed(call: Callable[[], Any]) -> tuple[Any, float]:
    start = time.perf_counter()
    result = call()
    return result, (time.perf_counter() - start) * 1000.0


def _mean(values: Sequence[float]) -> float:
    return sum(values) / len(values) if values else 0.0


def run_retrieval_eval(
    retriever: Retriever, cases: Sequence[RetrievalCase], out: TextIO, k: int = RANKED_MIN
) -> dict[str, Any]:
    """Rank products for every case; write {"query", "ranked"} lines; return the summary."""
    k = max(k, RANKED_MIN)
    if cases:  # the first search pays for lazy set-up (tokeniser dictionary); keep it out
        retriever.search_products(cases[0].query, k)
    recall: dict[int, list[float]] = {1: [], 5: [], 10: []}
    rr: list[float] = []
    latencies: list[float] = []
    for case in cases:
        products, ms = _timed(functools.partial(retriever.search_products, case.query, k))
        ranked = [p.sku for p in products]
        latencies.append(ms)
        out.write(json.dumps({"query": case.query, "ranked": ranked}, ensure_ascii=False) + "\n")
        for cut, values in recall.items():
            values.append(recall_at(ranked, case.relevant, cut))
        rr.append(reciprocal_rank(ranked, case.relevant, 10))
    return {
        "queries": len(cases),
        "recall@1": round(_mean(recall[1]), 4),
        "recall@5": round(_mean(recall[5]), 4),
        "recall@10": round(_mean(recall[10]), 4),
        "mrr@10": round(_mean(rr), 4),
        "p50_ms": round(percentile(latencies, 50), 2),
        "p95_ms": round(percentile(latencies, 95), 2),
    }


def run_evidence_eval(
    retriever: Retriever, cases: Sequence[EvidenceCase], out: TextIO | None, k: int = 5
) -> dict[str, Any]:
    """Search each question within its product page; is a gold evidence text in the top k?"""
    if cases:
        retriever.search(cases[0].question, k)
    found_at: dict[int, list[float]] = {1: [], k: []}
    latencies: list[float] = []
    for case in cases:
        filters = SearchFilters(sku=case.sku, kinds=("product",)) if case.sku else None
        hits, ms = _timed(functools.partial(retriever.search, case.question, k, filters))
        latencies.append(ms)
        sources = [h.passage.text for h in hits]
        for cut, values in found_at.items():
            values.append(float(evidence_found(case.evidence, sources[:cut])))
        if out is not None:
            record = {
                "question": case.question,
                "sku": case.sku,
                "sources": sources,
                "citations": [h.passage.citation for h in hits],
                "found": bool(found_at[k][-1]),
            }
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
    return {
        "questions": len(cases),
        "evidence_recall@1": round(_mean(found_at[1]), 4),
        f"evidence_recall@{k}": round(_mean(found_at[k]), 4),
        "p50_ms": round(percentile(latencies, 50), 2),
        "p95_ms": round(percentile(latencies, 95), 2),
    }
