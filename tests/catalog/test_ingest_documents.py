"""`ingest_documents`: policy files in English and Chinese, incremental updates."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from catalog.errors import IngestError
from catalog.ingest import document_passage_id, ingest_documents
from catalog.models import DocumentPassage

RETURNS_EN = """# Returns

Unused items can be returned within 30 days.

## Refunds

Refunds reach your card in 5 business days.
"""
RETURNS_ZH = """# 退货政策

商品签收后七天内可无理由退货。

## 退款

退款将在五个工作日内原路退回。
"""
SHIPPING_ZH_NO_SUFFIX = "# 配送\n\n全国包邮，江浙沪次日达。\n"


def stored(engine: Engine) -> list[tuple[str, int, str, str, str]]:
    with Session(engine) as session:
        rows = session.exec(
            select(DocumentPassage).order_by(
                col(DocumentPassage.path), col(DocumentPassage.position)
            )
        )
        return [(r.path, r.position, r.heading, r.text, r.lang) for r in rows]


@pytest.fixture
def docs(tmp_path: Path) -> Path:
    directory = tmp_path / "docs"
    (directory / "zh").mkdir(parents=True)
    (directory / "returns.md").write_text(RETURNS_EN, encoding="utf-8")
    (directory / "returns.zh.md").write_text(RETURNS_ZH, encoding="utf-8")
    (directory / "zh" / "shipping.txt").write_text(SHIPPING_ZH_NO_SUFFIX, encoding="utf-8")
    (directory / ".draft.md").write_text("# Hidden\nnot loaded\n", encoding="utf-8")
    (directory / "logo.png").write_bytes(b"\x89PNG")
    return directory


def test_documents_split_by_heading_in_both_languages(engine: Engine, docs: Path) -> None:
    report = ingest_documents(engine, docs)
    assert (report.added, report.rejected) == (5, 0)
    assert stored(engine) == [
        ("returns.md", 0, "Returns", "Unused items can be returned within 30 days.", "en"),
        ("returns.md", 1, "Returns > Refunds", "Refunds reach your card in 5 business days.", "en"),
        ("returns.zh.md", 0, "退货政策", "商品签收后七天内可无理由退货。", "zh"),
        ("returns.zh.md", 1, "退货政策 > 退款", "退款将在五个工作日内原路退回。", "zh"),
        ("zh/shipping.txt", 0, "配送", "全国包邮，江浙沪次日达。", "zh"),
    ]
    assert document_passage_id("returns.md", 1) in report.changed_passage_ids
    assert len(report.changed_passage_ids) == 5


def test_file_name_suffix_sets_the_language(engine: Engine, tmp_path: Path) -> None:
    (tmp_path / "faq.zh-CN.md").write_text("# FAQ\nPayment by Alipay.\n", encoding="utf-8")
    ingest_documents(engine, tmp_path)
    assert [row[4] for row in stored(engine)] == ["zh"]


def test_reingest_updates_only_what_changed(engine: Engine, docs: Path) -> None:
    ingest_documents(engine, docs)
    again = ingest_documents(engine, docs)
    assert (again.added, again.updated, again.deleted, again.unchanged) == (0, 0, 0, 5)

    edited = RETURNS_EN.replace("5 business days", "3 business days")
    (docs / "returns.md").write_text(edited, encoding="utf-8")
    (docs / "zh" / "shipping.txt").unlink()
    report = ingest_documents(engine, docs)
    assert (report.updated, report.deleted, report.unchanged) == (1, 1, 3)
    assert report.changed_passage_ids == {"doc:returns.md#1"}
    assert report.deleted_passage_ids == {"doc:zh/shipping.txt#0"}
    assert (
        "returns.md",
        1,
        "Returns > Refunds",
        "Refunds reach your card in 3 business days.",
        "en",
    ) in stored(engine)


def test_a_shorter_file_drops_its_extra_passages(engine: Engine, docs: Path) -> None:
    ingest_documents(engine, docs)
    (docs / "returns.md").write_text("# Returns\n\nNo returns on sale items.\n", encoding="utf-8")
    report = ingest_documents(engine, docs)
    assert report.changed_passage_ids == {"doc:returns.md#0"}
    assert report.deleted_passage_ids == {"doc:returns.md#1"}


def test_keep_missing_leaves_removed_files(engine: Engine, docs: Path) -> None:
    ingest_documents(engine, docs)
    (docs / "returns.md").unlink()
    report = ingest_documents(engine, docs, delete_missing=False)
    assert report.deleted == 0
    assert len(stored(engine)) == 5


def test_unreadable_file_is_reported_and_keeps_its_passages(engine: Engine, docs: Path) -> None:
    ingest_documents(engine, docs)
    (docs / "returns.md").write_bytes(b"# Returns\n\nCaf\xe9 items only.\n")
    report = ingest_documents(engine, docs)
    [error] = report.errors
    assert (error.file, error.line) == ("returns.md", 3)
    assert "not UTF-8" in error.reason and "byte offset 14" in error.reason
    assert report.deleted == 0
    assert len(stored(engine)) == 5


def test_empty_directory_changes_nothing(engine: Engine, docs: Path, tmp_path: Path) -> None:
    ingest_documents(engine, docs)
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(IngestError, match="nothing changed"):
        ingest_documents(engine, empty)
    with pytest.raises(IngestError, match="no such directory"):
        ingest_documents(engine, tmp_path / "absent")
    assert len(stored(engine)) == 5
