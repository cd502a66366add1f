"""`kefu report` and `kefu demo-data` end to end on a SQLite data directory."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli import app


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("KEFU_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("KEFU_DATABASE_URL", raising=False)
    monkeypatch.setenv("KEFU_ANALYTICS_TIMEZONE", "Asia/Shanghai")
    return tmp_path


def test_demo_data_then_every_report_format(data_dir: Path) -> None:
    runner = CliRunner()
    made = runner.invoke(
        app,
        ["demo-data", "generate", "--end", "2026-03-31", "--days", "40",
         "--customers", "30", "--conversations", "150", "--orders", "120"],
    )  # fmt: skip
    assert made.exit_code == 0, made.output
    assert "150 conversations" in made.output
    span = ["--from", "2026-03-01", "--to", "2026-03-31"]
    as_json = runner.invoke(app, ["report", *span, "--format", "json"])
    assert as_json.exit_code == 0, as_json.output
    body = json.loads(as_json.stdout)
    assert body["filters"]["start"] == "2026-03-01"
    assert body["service"]["conversations"] > 0
    as_csv = runner.invoke(app, ["report", *span, "--format", "csv", "--channel", "web"])
    rows = list(csv.DictReader(io.StringIO(as_csv.stdout)))
    web = next(r for r in rows if r["metric"] == "conversations" and r["section"] == "headline")
    assert 0 < int(web["value"]) < body["service"]["conversations"]
    out = data_dir / "report.html"
    as_html = runner.invoke(app, ["report", *span, "--out", str(out), "--ui", "zh"])
    assert as_html.exit_code == 0
    assert "<svg" in out.read_text(encoding="utf-8") and "会话数" in out.read_text(encoding="utf-8")
    removed = runner.invoke(app, ["demo-data", "remove"])
    assert removed.exit_code == 0 and "150 conversations" in removed.output


def test_report_on_an_empty_database(data_dir: Path) -> None:
    result = CliRunner().invoke(
        app, ["report", "--from", "2026-03-01", "--to", "2026-03-07", "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["service"]["conversations"] == 0


def test_bad_options_exit_1(data_dir: Path) -> None:
    runner = CliRunner()
    backwards = runner.invoke(app, ["report", "--from", "2026-03-09", "--to", "2026-03-01"])
    assert backwards.exit_code == 1
    assert "before it starts" in backwards.output
    assert runner.invoke(app, ["report", "--from", "March"]).exit_code == 1
    assert runner.invoke(app, ["report", "--timezone", "Nowhere/City"]).exit_code == 1


def test_unreachable_database_exits_2(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KEFU_DATABASE_URL", "postgresql://nobody@127.0.0.1:1/none")
    result = CliRunner().invoke(app, ["report", "--format", "json"])
    assert result.exit_code == 2
    assert "error:" in result.output
