"""`kefu ingest ...` through the real command line: output and exit codes."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select
from typer.testing import CliRunner

from bot import cli_ingest
from bot.cli import app
from catalog.db import create_db_engine
from catalog.ingest import IngestReport
from catalog.models import DocumentPassage, Order, Product
from tests.catalog.conftest import postgres_url, write_jsonl

runner = CliRunner()
GOOD = {"sku": "A", "title": "Kettle", "price": 25}
OTHER = {"sku": "B", "title": "Teapot"}


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point the CLI at a fresh SQLite database under tmp_path; no hooks registered."""
    monkeypatch.chdir(tmp_path)  # no stray .env
    monkeypatch.delenv("KEFU_DATABASE_URL", raising=False)
    monkeypatch.setenv("KEFU_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setattr(cli_ingest, "_hooks", [])
    return tmp_path / "data"


def skus(data_dir: Path) -> set[str]:
    engine = create_db_engine(f"sqlite:///{data_dir / 'kefu.db'}")
    with Session(engine) as session:
        found = set(session.exec(select(Product.sku)).all())
    engine.dispose()
    return found


def test_catalog_ok_exits_zero(data_dir: Path, tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "c.jsonl", [GOOD, OTHER])
    result = runner.invoke(app, ["ingest", "catalog", str(path)])
    assert result.exit_code == 0, result.output
    assert "2 added, 0 updated, 0 unchanged, 0 deleted, 0 rejected" in result.stdout
    assert skus(data_dir) == {"A", "B"}


def test_rejected_lines_are_listed_and_exit_one(data_dir: Path, tmp_path: Path) -> None:
    path = write_jsonl(
        tmp_path / "c.jsonl", [GOOD, '{"sku": ', {"sku": "C", "title": "x", "price": -2}]
    )
    result = runner.invoke(app, ["ingest", "catalog", str(path)])
    assert result.exit_code == 1
    assert "1 added" in result.stdout and "2 rejected" in result.stdout
    assert f"{path}: line 2: malformed JSON" in result.stderr
    assert f"{path}: line 3: sku C: price must be >= 0, got -2" in result.stderr
    assert skus(data_dir) == {"A"}


def test_strict_exits_one_and_stores_nothing(data_dir: Path, tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "c.jsonl", [GOOD, '{"sku": '])
    result = runner.invoke(app, ["ingest", "catalog", str(path), "--strict"])
    assert result.exit_code == 1
    assert "line 2: malformed JSON" in result.stderr
    assert "nothing was stored" in result.stderr
    assert skus(data_dir) == set()


def test_delete_missing_flag(data_dir: Path, tmp_path: Path) -> None:
    runner.invoke(app, ["ingest", "catalog", str(write_jsonl(tmp_path / "a.jsonl", [GOOD, OTHER]))])
    path = write_jsonl(tmp_path / "b.jsonl", [GOOD])
    result = runner.invoke(app, ["ingest", "catalog", str(path), "--delete-missing"])
    assert result.exit_code == 0, result.output
    assert "1 deleted" in result.stdout
    assert skus(data_dir) == {"A"}


@pytest.mark.parametrize(
    ("content", "message"),
    [(b"", "holds no records"), (b'{"sku": "A", "title": "Caf\xe9"}\n', "not UTF-8")],
)
def test_unreadable_files_exit_one(
    data_dir: Path, tmp_path: Path, content: bytes, message: str
) -> None:
    path = tmp_path / "c.jsonl"
    path.write_bytes(content)
    result = runner.invoke(app, ["ingest", "catalog", str(path)])
    assert result.exit_code == 1
    assert message in result.stderr
    assert "Traceback" not in result.output


def test_missing_file_exits_one(data_dir: Path, tmp_path: Path) -> None:
    result = runner.invoke(app, ["ingest", "catalog", str(tmp_path / "absent.jsonl")])
    assert result.exit_code == 1
    assert "no such file" in result.stderr


def test_unreachable_database_exits_two_without_traceback(
    data_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KEFU_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:1/test")
    path = write_jsonl(tmp_path / "c.jsonl", [GOOD])
    result = runner.invoke(app, ["ingest", "catalog", str(path)])
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [
        "error: cannot reach PostgreSQL at 127.0.0.1:1: connection refused (is the server running?)"
    ]
    assert "Traceback" not in result.output


def test_docs_and_orders_commands(data_dir: Path, tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "returns.md").write_text("# Returns\n30 days.\n## Refunds\n5 days.\n", encoding="utf-8")
    result = runner.invoke(app, ["ingest", "docs", str(docs)])
    assert result.exit_code == 0, result.output
    assert "documents" in result.stdout and "2 added" in result.stdout

    order = {
        "order_id": "A-1",
        "customer": {"email": "li@example.com"},
        "status": "paid",
        "created_at": "2026-11-02T10:00:00Z",
        "items": [{"sku": "A", "qty": 1, "price": 25}],
    }
    path = write_jsonl(
        tmp_path / "o.jsonl", [order, {**order, "order_id": "A-2", "created_at": "x"}]
    )
    result = runner.invoke(app, ["ingest", "orders", str(path)])
    assert result.exit_code == 1
    assert "1 added" in result.stdout and "note: 1 new customer(s)" in result.stdout
    assert "line 2: created_at must be an ISO-8601 time" in result.stderr


def test_hooks_see_each_committed_report(data_dir: Path, tmp_path: Path) -> None:
    seen: list[IngestReport] = []

    def remember(engine: Engine, report: IngestReport) -> None:
        with Session(engine) as session:  # the data is committed before the hook runs
            assert session.get(Product, "A") is not None
        seen.append(report)

    cli_ingest.add_ingest_hook(remember)
    path = write_jsonl(tmp_path / "c.jsonl", [GOOD])
    assert runner.invoke(app, ["ingest", "catalog", str(path)]).exit_code == 0
    assert [r.changed_skus for r in seen] == [{"A"}]


def test_a_failing_hook_exits_one_but_keeps_the_data(data_dir: Path, tmp_path: Path) -> None:
    def broken(engine: Engine, report: IngestReport) -> None:
        raise OSError("index directory is read-only")

    cli_ingest.add_ingest_hook(broken)
    path = write_jsonl(tmp_path / "c.jsonl", [GOOD])
    result = runner.invoke(app, ["ingest", "catalog", str(path)])
    assert result.exit_code == 1
    assert "the data was stored" in result.stderr and "read-only" in result.stderr
    assert skus(data_dir) == {"A"}


@pytest.mark.postgres
def test_cli_on_postgres(
    postgres_schema: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(cli_ingest, "_hooks", [])
    monkeypatch.setenv(
        "KEFU_DATABASE_URL", f"{postgres_url()}?options=-csearch_path%3D{postgres_schema}"
    )
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "faq.zh.md").write_text("# 支付\n支持支付宝和微信支付。\n", encoding="utf-8")
    assert runner.invoke(app, ["ingest", "docs", str(docs)]).exit_code == 0
    path = write_jsonl(tmp_path / "c.jsonl", [GOOD])
    assert runner.invoke(app, ["ingest", "catalog", str(path)]).exit_code == 0

    engine = create_db_engine(postgres_url(), schema=postgres_schema)
    with Session(engine) as session:
        assert session.exec(select(Product.sku)).all() == ["A"]
        assert [p.lang for p in session.exec(select(DocumentPassage))] == ["zh"]
        assert session.exec(select(Order)).all() == []
    engine.dispose()
