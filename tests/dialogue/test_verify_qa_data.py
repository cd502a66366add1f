"""The verifier on real shopper Q&A: human answers (as if generated) against the product's facts.

Reads ../shared/data/en_product_qa when present and skips otherwise. Human
answers that the product page supports should mostly get through, and none
that gets through may carry a number its citations lack (independent check).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from dialogue.verify import FactSet, PassageFact, ProductFact, split_sentences, verify_sentence

try:
    from independent_checker import unsupported_numbers
except ImportError:  # collected as a package
    from tests.dialogue.independent_checker import unsupported_numbers

DATA = Path(__file__).resolve().parents[3] / "shared" / "data" / "en_product_qa"
ROWS = 600


def _load() -> tuple[dict[str, dict[str, Any]], list[dict[str, Any]]]:
    if not (DATA / "catalog.jsonl").exists():
        pytest.skip(f"no Q&A data at {DATA}")
    with (DATA / "catalog.jsonl").open(encoding="utf-8") as f:
        catalog = {r["sku"]: r for r in map(json.loads, f)}
    with (DATA / "qa_dev.jsonl").open(encoding="utf-8") as f:
        rows = [json.loads(line) for _, line in zip(range(ROWS), f, strict=False)]
    return catalog, rows


def test_human_answers_pass_and_carry_only_cited_numbers() -> None:
    catalog, rows = _load()
    sent = total = 0
    violations: list[tuple[str, list[str]]] = []
    for row in rows:
        record = catalog.get(row["sku"])
        if record is None:
            continue
        sku = record["sku"]
        texts: dict[str, list[str]] = {}
        for p in record.get("passages", []):
            texts.setdefault(f"{sku}#{p['source']}", []).append(p["text"])
        facts = FactSet.build(
            [ProductFact(sku=sku, title=record.get("title", ""))],
            [PassageFact(cit, text, "en", sku) for cit, ts in texts.items() for text in ts],
        )
        texts[f"{sku}#title"] = [record.get("title", "")]
        texts[f"{sku}#sku"] = [sku]
        for sentence in split_sentences(row["answers"][0]):
            total += 1
            verdict = verify_sentence(sentence, facts, sku)
            if verdict.text_to_send is None:
                continue
            sent += 1
            cited = [t for c in verdict.citations for t in texts[c]]
            missing = unsupported_numbers(verdict.text_to_send, cited)
            if missing:
                violations.append((verdict.text_to_send, missing))
    assert violations == []
    assert sent / total >= 0.9, f"{sent}/{total} human answer sentences sent"
