"""`kefu eval retrieval|evidence` and `kefu search` end to end, with a tiny real model."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli import app
from bot.cli_eval_qa import _other_pages
from retrieval.evaluation import evidence_found, percentile, recall_at, reciprocal_rank

CATALOG = [
    {"sku": f"en-{i}", "title": title, "category": "Electronics / Audio", "brand": "Sonvale",
     "price": 10.0 + i, "stock": i % 2, "lang": "en"}
    for i, title in enumerate([
        "bluetooth headphones noise cancelling", "red shoes size 5", "blue jacket",
        "cheap earbuds battery 8 hours", "free shipping shoes", "jacket color red",
        "headphones price under 9 yuan", "stock of blue shoes", "battery 24 hours earbuds",
        "noise cancelling earbuds", "my order policy",
    ])
] + [
    {"sku": "zh-1", "title": "蓝牙降噪耳机", "price": 299.0, "stock": 3, "lang": "zh",
     "passages": [{"source": "qa", "text": "电池续航30小时"}]},
    {"sku": "zh-2", "title": "红色鞋子", "price": 99.0, "stock": 0, "lang": "zh"},
]  # fmt: skip

QUERIES = [
    {"query": "bluetooth headphones", "relevant": ["en-0"]},
    {"query": "蓝牙耳机", "relevant": ["zh-1"]},
    {"query": "red jacket", "relevant": ["en-5", "en-2"]},
]


def _jsonl(path: Path, rows: Sequence[Mapping[str, object]]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), "utf-8")
    return path


@pytest.fixture
def env(tmp_path: Path, tiny_st_model_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("KEFU_EMBEDDER", str(tiny_st_model_dir))
    monkeypatch.setenv("KEFU_EMBEDDER_ENGLISH", "")
    monkeypatch.setenv("KEFU_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("KEFU_DATABASE_URL", raising=False)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_eval_retrieval_writes_predictions_and_a_summary_last(env: Path) -> None:
    catalog = _jsonl(env / "catalog.jsonl", CATALOG)
    queries = env / "queries.jsonl"
    _jsonl(queries, QUERIES)
    with open(queries, "a", encoding="utf-8") as f:
        f.write("{broken\n")  # reported and skipped, the rest still runs
    out = env / "pred.jsonl"
    result = CliRunner().invoke(
        app, ["eval", "retrieval", "--catalog", str(catalog), "--queries", str(queries),
              "--out", str(out)],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout.strip().splitlines()[-1])
    for key in ("recall@1", "recall@5", "recall@10", "mrr@10", "p50_ms", "p95_ms"):
        assert isinstance(summary[key], float), key
    assert summary["queries"] == 3
    assert 0.0 <= summary["recall@1"] <= summary["recall@5"] <= summary["recall@10"] <= 1.0
    predictions = [json.loads(line) for line in out.read_text("utf-8").splitlines()]
    assert [p["query"] for p in predictions] == [q["query"] for q in QUERIES]
    for p in predictions:
        assert set(p) == {"query", "ranked"}
        assert len(p["ranked"]) >= 10 and len(set(p["ranked"])) == len(p["ranked"])
        assert set(p["ranked"]) <= {row["sku"] for row in CATALOG}
    assert "line 4" in result.stderr


def test_eval_reuses_a_workdir_index(env: Path) -> None:
    catalog = _jsonl(env / "catalog.jsonl", CATALOG)
    queries = _jsonl(env / "queries.jsonl", QUERIES)
    args = ["eval", "retrieval", "--catalog", str(catalog), "--queries", str(queries),
            "--out", str(env / "p.jsonl"), "--workdir", str(env / "ws"),
            "--mode", "lexical"]  # fmt: skip
    first = CliRunner().invoke(app, args)
    assert first.exit_code == 0, first.output
    assert (env / "ws" / "index" / "CURRENT").exists()
    pointer = (env / "ws" / "index" / "CURRENT").read_text()
    second = CliRunner().invoke(app, args)
    assert second.exit_code == 0, second.output
    assert (env / "ws" / "index" / "CURRENT").read_text() == pointer  # loaded, not rebuilt
    summary = json.loads(second.stdout.strip().splitlines()[-1])
    assert summary["mode"] == "lexical" and summary["recall@1"] >= 2 / 3


def test_eval_evidence_searches_within_the_page_product(env: Path) -> None:
    catalog = _jsonl(env / "catalog.jsonl", CATALOG)
    qa = _jsonl(env / "qa.jsonl", [
        {"question": "电池能用多久？", "sku": "zh-1", "answers": ["30小时"],
         "evidence": ["电池续航30小时"]},
        {"question": "is it noise cancelling?", "sku": "en-0", "answers": ["yes"],
         "evidence": ["Bluetooth  Headphones noise cancelling"]},
    ])  # fmt: skip
    out = env / "ev.jsonl"
    result = CliRunner().invoke(
        app, ["eval", "evidence", "--catalog", str(catalog), "--qa", str(qa), "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout.strip().splitlines()[-1])
    # Each product has at most two passages, so the gold one is always in the top 5.
    assert summary["evidence_recall@5"] == 1.0 and summary["questions"] == 2
    rows = [json.loads(line) for line in out.read_text("utf-8").splitlines()]
    assert all(c.startswith(r["sku"] + "#") for r in rows for c in r["citations"])


def test_ingest_then_search_from_the_command_line(env: Path) -> None:
    catalog = _jsonl(env / "catalog.jsonl", CATALOG)
    runner = CliRunner()
    ingested = runner.invoke(app, ["ingest", "catalog", str(catalog)])
    assert ingested.exit_code == 0, ingested.output
    assert (env / "data" / "index" / "CURRENT").exists()  # the ingest hook built the index
    found = runner.invoke(app, ["search", "蓝牙耳机", "-k", "3", "--lang", "zh", "--json"])
    assert found.exit_code == 0, found.output
    hits = [json.loads(line) for line in found.stdout.splitlines()]
    assert hits and all(h["lang"] == "zh" for h in hits)
    assert hits[0]["citation"].startswith("zh-1#")
    priced = runner.invoke(app, ["search", "shoes", "--max-price", "12", "--products"])
    assert priced.exit_code == 0 and "en-1" in priced.stdout and "zh-2" not in priced.stdout
    # A re-ingest without a product drops it from search results.
    _jsonl(catalog, [r for r in CATALOG if r["sku"] != "zh-1"])
    runner.invoke(app, ["ingest", "catalog", str(catalog), "--delete-missing"])
    gone = runner.invoke(app, ["search", "蓝牙耳机", "--json", "-k", "20"])
    assert "zh-1" not in gone.stdout


def test_metrics() -> None:
    assert recall_at(["a", "b", "c"], ["c", "d"], 3) == 0.5
    assert recall_at(["a", "b", "c"], ["c"], 2) == 0.0
    assert reciprocal_rank(["a", "b", "c"], ["c"], 10) == pytest.approx(1 / 3)
    assert reciprocal_rank(["a"], ["z"], 10) == 0.0
    assert percentile([5.0, 1.0, 3.0, 2.0, 4.0], 50) == 3.0
    assert percentile(list(map(float, range(1, 101))), 95) == 95.0
    assert evidence_found(["Fits  my FRS20"], ["fits my frs20", "other"])
    assert evidence_found(["fits my frs20"], ["long review. Fits my FRS20 perfectly."])
    assert not evidence_found(["fits my frs20"], ["fits my frs21"])


def test_eval_qa_twice_in_one_workdir_answers_alike(env: Path) -> None:
    """A reused --workdir starts fresh conversations: the last run's handoff stays there."""
    catalog = _jsonl(env / "catalog.jsonl", CATALOG)
    qa = _jsonl(env / "qa.jsonl", [
        {"question": "can I talk to a human agent please", "sku": "en-0", "answers": ["yes"]},
        {"question": "how long does the battery last?", "sku": "zh-1", "answers": ["30小时"]},
    ])  # fmt: skip
    args = ["eval", "qa", "--catalog", str(catalog), "--qa", str(qa), "--no-lm",
            "--workdir", str(env / "work")]  # fmt: skip
    answers = []
    for run in ("one", "two"):
        out = env / f"{run}.jsonl"
        result = CliRunner().invoke(app, [*args, "--out", str(out)])
        assert result.exit_code == 0, result.output
        summary = json.loads(result.stdout.strip().splitlines()[-1])
        assert summary["questions"] == 2 and "first_sentence_p50_ms" in summary
        answers.append([json.loads(line)["answer"] for line in out.read_text("utf-8").splitlines()])
    assert all(answers[0]), answers
    assert answers[0] == answers[1]


def test_other_pages_rotate_to_the_next_product() -> None:
    rows = [{"sku": "a"}, {"sku": "a"}, {"sku": "b"}, {"sku": "c"}]
    assert _other_pages(rows) == ["b", "b", "c", "a"]
    assert _other_pages([{"sku": "a"}, {"sku": "a"}]) == [None, None]


def test_eval_qa_on_other_pages_reports_abstention(env: Path) -> None:
    catalog = _jsonl(env / "catalog.jsonl", CATALOG)
    qa = _jsonl(env / "qa.jsonl", [
        {"question": "how long does the battery last?", "sku": "zh-1", "answers": ["30小时"]},
        {"question": "are these shoes red?", "sku": "zh-2", "answers": ["yes"]},
    ])  # fmt: skip
    out = env / "other.jsonl"
    args = ["eval", "qa", "--catalog", str(catalog), "--qa", str(qa), "--no-lm",
            "--other-page", "--out", str(out)]  # fmt: skip
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout.strip().splitlines()[-1])
    assert summary["abstained"] == pytest.approx(1 - summary["verified_rate"])
    asked = [json.loads(line)["sku"] for line in out.read_text("utf-8").splitlines()]
    assert asked == ["zh-2", "zh-1"]
