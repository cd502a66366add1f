"""`kefu eval verifier`: gold answers checked on their own page and on another one."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from bot.cli import app


def _write(path: Path, rows: list[dict[str, object]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def test_answers_pass_on_their_page_and_not_on_another(tmp_path: Path) -> None:
    qa = _write(
        tmp_path / "qa.jsonl",
        [
            {"question": "how many molds?", "sku": "A", "answers": ["It comes with 2 molds."]},
            {"question": "how many fit?", "sku": "B", "answers": ["It fits 2 adults."]},
        ],
    )
    sources = _write(
        tmp_path / "sources.jsonl",
        [
            {"sku": "A", "sources": ["includes 2 molds and a spatula."], "citations": ["A#b"]},
            {"sku": "B", "sources": ["fits 2 adults in the tent."], "citations": ["B#b"]},
        ],
    )
    result = CliRunner().invoke(
        app, ["eval", "verifier", "--qa", str(qa), "--sources", str(sources)]
    )
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output.strip().splitlines()[-1])
    assert summary["sentences"] == 2
    assert summary["own_sent"] == 2  # each answer is said by its own page
    assert summary["other_sent"] == 0  # the same figure counts other things on the other page
    assert summary["own_sent_rate"] == 1.0


def test_mismatched_files_are_refused(tmp_path: Path) -> None:
    qa = _write(tmp_path / "qa.jsonl", [{"question": "q", "sku": "A", "answers": ["x"]}])
    sources = _write(tmp_path / "sources.jsonl", [])
    result = CliRunner().invoke(
        app, ["eval", "verifier", "--qa", str(qa), "--sources", str(sources)]
    )
    assert result.exit_code == 2  # a usage error, before any checking
    assert "records" in " ".join(result.output.replace("│", " ").split())
