"""`kefu eval intents` on a tiny file: prediction lines, summary as the last line, bad lines."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli import app

TRAIN = [
    ("where is my order", "track_order"), ("track my package", "track_order"),
    ("has my parcel shipped", "track_order"), ("我的订单到哪了", "track_order"),
    ("查一下物流", "track_order"), ("order status", "track_order"),
    ("I want a refund", "get_refund"), ("give me my money back", "get_refund"),
    ("refund my order", "get_refund"), ("我要退款", "get_refund"),
    ("帮我退钱", "get_refund"), ("request a refund", "get_refund"),
    ("hello", "greeting"), ("hi there", "greeting"), ("good morning", "greeting"),
    ("你好", "greeting"), ("您好", "greeting"), ("thanks", "greeting"),
]  # fmt: skip


def _jsonl(path: Path, rows: list[dict[str, str]], extra: str = "") -> Path:
    path.write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows) + extra, encoding="utf-8"
    )
    return path


@pytest.fixture
def train_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("KEFU_DATA_DIR", str(tmp_path / "data"))
    return _jsonl(tmp_path / "train.jsonl", [{"text": t, "intent": i} for t, i in TRAIN])


def _run(*args: str) -> tuple[int, list[str]]:
    result = CliRunner().invoke(app, ["eval", "intents", *args])
    return result.exit_code, result.output.strip().splitlines()


def test_predictions_and_summary(tmp_path: Path, train_file: Path) -> None:
    cases = [
        {"text": "where is my package", "intent": "track_order"},
        {"text": "我的快递到哪了", "intent": "track_order"},
        {"text": "I'd like my money back", "intent": "get_refund"},
        {"text": "hello again", "intent": "greeting"},
    ]
    data = _jsonl(tmp_path / "dev.jsonl", cases)
    out = tmp_path / "out" / "pred.jsonl"
    code, lines = _run("--data", str(data), "--out", str(out), "--train", str(train_file),
                       "--tfidf-only")  # fmt: skip
    assert code == 0, lines
    summary = json.loads(lines[-1])
    predictions = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert len(predictions) == len(cases)
    for case, row in zip(cases, predictions, strict=True):
        assert set(row) == {"text", "intent", "predicted"}
        assert (row["text"], row["intent"]) == (case["text"], case["intent"])
    right = sum(row["predicted"] == row["intent"] for row in predictions)
    assert summary["accuracy"] == pytest.approx(right / len(cases), abs=1e-4)
    assert 0.0 <= summary["macro_f1"] <= 1.0
    assert summary["n"] == len(cases)
    assert summary["rejected"] == 0
    assert right >= 3


def test_bad_lines_are_reported_skipped_and_fail_the_run(tmp_path: Path, train_file: Path) -> None:
    data = _jsonl(
        tmp_path / "dev.jsonl",
        [{"text": "where is my order", "intent": "track_order"}],
        extra='not json\n{"text": "", "intent": "greeting"}\n{"text": "hi"}\n',
    )
    out = tmp_path / "pred.jsonl"
    code, lines = _run("--data", str(data), "--out", str(out), "--train", str(train_file),
                       "--tfidf-only")  # fmt: skip
    assert code == 1
    assert any("line 2" in line for line in lines)
    assert any("line 4" in line for line in lines)
    summary = json.loads(lines[-1])
    assert summary["rejected"] == 3
    assert summary["n"] == 1
    assert len(out.read_text(encoding="utf-8").splitlines()) == 1


def test_missing_data_file(tmp_path: Path, train_file: Path) -> None:
    absent, out = tmp_path / "absent.jsonl", tmp_path / "p.jsonl"
    code, lines = _run("--data", str(absent), "--out", str(out), "--train", str(train_file),
                       "--tfidf-only")  # fmt: skip
    assert code == 1
    assert lines[-1].startswith("error:")
