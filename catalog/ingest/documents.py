"""`kefu ingest docs DIR`: policy and FAQ files as passages, one per heading's section."""

from __future__ import annotations

import codecs
import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine
from sqlmodel import Session, col, delete, select

from catalog.db import session_scope
from catalog.errors import IngestError
from catalog.ingest.lang import detect_lang, normalise_lang
from catalog.ingest.report import IngestReport, ReportBuilder
from catalog.ingest.sections import split_sections
from catalog.models import DocumentPassage, utcnow

DOCUMENT_SUFFIXES = (".md", ".markdown", ".txt")
PATH_MAX = 512  # the path column is indexed
# "returns.zh.md", "faq.zh-CN.txt": a two-letter code (and region) before the extension
_LANG_SUFFIX = re.compile(r"^[A-Za-z]{2}(?:[-_][A-Za-z]{2,4})?$")


def document_passage_id(path: str, position: int) -> str:
    """Stable id of a document passage: its file and its place in the file."""
    return f"doc:{path}#{position}"


@dataclass(frozen=True)
class _NewPassage:
    heading: str
    text: str
    lang: str

    def content_hash(self) -> str:
        joined = "\x1f".join([self.heading, self.text, self.lang])
        return hashlib.sha256(joined.encode("utf-8")).hexdigest()


def ingest_documents(
    engine: Engine, directory: Path | str, *, delete_missing: bool = True
) -> IngestReport:
    """Load every .md/.markdown/.txt file under `directory` in one transaction.

    A file that cannot be read is reported and keeps its stored passages.
    With `delete_missing`, passages of files no longer in the directory go.
    """
    directory = Path(directory)
    if not directory.exists():
        raise IngestError(f"{directory}: no such directory")
    if not directory.is_dir():
        raise IngestError(f"{directory}: not a directory")
    report = ReportBuilder(kind="documents", source=str(directory))
    files = _document_files(directory)
    if not files:
        raise IngestError(
            f"{directory}: no {', '.join(DOCUMENT_SUFFIXES)} files found; nothing changed "
            "(an empty directory never deletes the stored documents)"
        )
    parsed: dict[str, list[_NewPassage]] = {}
    unreadable: set[str] = set()
    for relative, file in files.items():
        passages = _read_document(file, relative, report)
        if passages is None:
            unreadable.add(relative)
        else:
            parsed[relative] = passages
    with session_scope(engine) as session:
        stored = _stored_by_path(session)
        for relative, passages in parsed.items():
            _sync_file(session, relative, passages, stored.pop(relative, {}), report)
        if delete_missing:
            for relative, rows in stored.items():
                if relative not in unreadable:
                    _delete_rows(session, relative, list(rows.values()), report)
    return report.build()


def _document_files(directory: Path) -> dict[str, Path]:
    files: dict[str, Path] = {}
    for file in sorted(directory.rglob("*")):
        relative = file.relative_to(directory)
        if any(part.startswith(".") for part in relative.parts):
            continue  # editor backups, .git and the like
        if file.is_file() and file.suffix.lower() in DOCUMENT_SUFFIXES:
            files[relative.as_posix()] = file
    return files


def _read_document(file: Path, relative: str, report: ReportBuilder) -> list[_NewPassage] | None:
    """The file's passages, or None (reported) when it cannot be read."""
    if len(relative) > PATH_MAX:
        report.reject(0, f"path longer than {PATH_MAX} characters", file=relative)
        return None
    try:
        raw = file.read_bytes()
    except OSError as exc:
        report.reject(
            0, f"cannot read: {exc.strerror or exc}; its stored passages kept", file=relative
        )
        return None
    if raw.startswith(codecs.BOM_UTF8):
        raw = raw[len(codecs.BOM_UTF8) :]
    try:
        content = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        report.reject(
            line,
            f"not UTF-8 text: byte 0x{raw[exc.start]:02x} at byte offset {exc.start}; "
            "file skipped, its stored passages kept",
            file=relative,
        )
        return None
    content = content.replace("\x00", "")
    declared = _lang_from_name(file.name)
    return [
        _NewPassage(s.heading, s.text, declared or detect_lang(f"{s.heading}\n{s.text}"))
        for s in split_sections(content)
    ]


def _lang_from_name(name: str) -> str:
    suffixes = Path(name).suffixes
    if len(suffixes) >= 2 and _LANG_SUFFIX.match(suffixes[-2][1:]):
        return normalise_lang(suffixes[-2][1:]) or ""
    return ""


def _stored_by_path(session: Session) -> dict[str, dict[int, DocumentPassage]]:
    stored: dict[str, dict[int, DocumentPassage]] = {}
    for row in session.exec(select(DocumentPassage).order_by(col(DocumentPassage.id))):
        by_position = stored.setdefault(row.path, {})
        if row.position in by_position:  # a stray duplicate: drop it
            session.delete(row)
            continue
        by_position[row.position] = row
    return stored


def _sync_file(
    session: Session,
    relative: str,
    passages: list[_NewPassage],
    stored: dict[int, DocumentPassage],
    report: ReportBuilder,
) -> None:
    now = utcnow()
    for position, passage in enumerate(passages):
        digest = passage.content_hash()
        row = stored.pop(position, None)
        if row is not None and row.content_hash == digest:
            report.unchanged += 1
            continue
        if row is None:
            row = DocumentPassage(path=relative, position=position, text=passage.text)
            session.add(row)
            report.added += 1
        else:
            report.updated += 1
        row.heading, row.text, row.lang = passage.heading, passage.text, passage.lang
        row.content_hash, row.updated_at = digest, now
        report.changed.add(document_passage_id(relative, position))
    _delete_rows(session, relative, list(stored.values()), report)


def _delete_rows(
    session: Session, relative: str, rows: list[DocumentPassage], report: ReportBuilder
) -> None:
    if not rows:
        return
    session.exec(
        delete(DocumentPassage).where(col(DocumentPassage.id).in_([row.id for row in rows]))
    )
    report.deleted += len(rows)
    report.removed.update(document_passage_id(relative, row.position) for row in rows)
