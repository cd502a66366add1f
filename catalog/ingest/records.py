"""Read JSON Lines or CSV input one record at a time, keeping each record's line number.

A bad line becomes a record with an error (the importer reports it and goes
on); a file that is not UTF-8 text at all raises IngestError, since no line
after the bad byte can be trusted.
"""

from __future__ import annotations

import codecs
import csv
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from catalog.errors import IngestError

JSONL_SUFFIXES = (".jsonl", ".ndjson", ".json")
CSV_SUFFIXES = (".csv",)
# csv's default field limit (128 KiB) is smaller than a long product description.
_CSV_FIELD_LIMIT = 1 << 30


@dataclass(frozen=True)
class RawRecord:
    """One input record: its fields, or the reason it could not be read."""

    line: int
    data: dict[str, Any] | None = None
    error: str = ""


def read_records(
    path: Path,
    *,
    json_columns: frozenset[str] = frozenset(),
    required_columns: tuple[str, ...] = (),
) -> Iterator[RawRecord]:
    """Yield the records of a .jsonl or .csv file; blank lines are skipped.

    In CSV, `json_columns` hold nested values as JSON text, and a header that
    lacks one of `required_columns` rejects the whole file.
    """
    if not path.exists():
        raise IngestError(f"{path}: no such file")
    if not path.is_file():
        raise IngestError(f"{path}: not a file")
    suffix = path.suffix.lower()
    lines = _decoded_lines(path)
    if suffix in JSONL_SUFFIXES:
        return _jsonl_records(lines)
    if suffix in CSV_SUFFIXES:
        return _csv_records(path, lines, json_columns, required_columns)
    raise IngestError(f"{path}: unsupported file type {suffix or '(none)'}; use .jsonl or .csv")


def clean(value: Any) -> Any:
    """Strip what a database cannot store in text: NUL characters and lone surrogates."""
    if isinstance(value, str):
        if "\x00" in value:
            value = value.replace("\x00", "")
        if not value.isascii():
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:
                # only reachable through a "\ud800"-style escape in JSON
                value = value.encode("utf-8", "replace").decode("utf-8")
        return value
    if isinstance(value, dict):
        return {clean(k): clean(v) for k, v in value.items()}
    if isinstance(value, list):
        return [clean(v) for v in value]
    return value


def _loads(text: str) -> Any:
    """json.loads without NaN and Infinity, which are not JSON and which PostgreSQL refuses."""
    try:
        return json.loads(text, parse_constant=_refuse_constant)
    except RecursionError:
        raise ValueError("nested too deeply") from None


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON value")


def _decoded_lines(path: Path) -> Iterator[tuple[int, str]]:
    """(line number, text) for each physical line; raises IngestError on a non-UTF-8 byte."""
    try:
        fh = path.open("rb")
    except OSError as exc:
        raise IngestError(f"{path}: cannot read: {exc.strerror or exc}") from exc
    with fh:
        offset = 0
        for number, raw in enumerate(fh, start=1):
            start = 0
            if number == 1:
                if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
                    raise IngestError(
                        f"{path}: the file is UTF-16 text; save it as UTF-8. Nothing was stored."
                    )
                if raw.startswith(codecs.BOM_UTF8):  # spreadsheets write one
                    start = len(codecs.BOM_UTF8)
            try:
                decoded = raw[start:].decode("utf-8")
            except UnicodeDecodeError as exc:
                at = offset + start + exc.start
                raise IngestError(
                    f"{path}: not UTF-8 text: byte 0x{raw[start + exc.start]:02x} at byte offset "
                    f"{at} (line {number}). Save the file as UTF-8; nothing was stored."
                ) from exc
            yield number, decoded
            offset += len(raw)


def _jsonl_records(lines: Iterable[tuple[int, str]]) -> Iterator[RawRecord]:
    for number, line in lines:
        if not line.strip():
            continue
        try:
            data = _loads(line)
        except json.JSONDecodeError as exc:
            yield RawRecord(number, error=f"malformed JSON: {exc.msg} at column {exc.colno}")
            continue
        except ValueError as exc:
            yield RawRecord(number, error=f"malformed JSON: {exc}")
            continue
        if not isinstance(data, dict):
            yield RawRecord(number, error=f"expected a JSON object, got {type(data).__name__}")
            continue
        yield RawRecord(number, data=clean(data))


def _csv_records(
    path: Path,
    lines: Iterable[tuple[int, str]],
    json_columns: frozenset[str],
    required_columns: tuple[str, ...],
) -> Iterator[RawRecord]:
    csv.field_size_limit(max(csv.field_size_limit(), _CSV_FIELD_LIMIT))
    reader = csv.reader(text for _, text in lines)
    header: list[str] | None = None
    while True:
        start = reader.line_num + 1
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            if header is None:
                raise IngestError(f"{path}: unreadable CSV header: {exc}") from exc
            yield RawRecord(start, error=f"malformed CSV: {exc}")
            continue
        if not row or not any(cell.strip() for cell in row):
            continue
        if header is None:
            header = _check_header(path, row, required_columns)
            continue
        yield _csv_record(start, header, row, json_columns)


def _check_header(path: Path, row: list[str], required: tuple[str, ...]) -> list[str]:
    header = [name.strip() for name in row]
    duplicates = sorted({name for name in header if header.count(name) > 1})
    if duplicates:
        raise IngestError(f"{path}: CSV header repeats column(s) {', '.join(duplicates)}")
    missing = [name for name in required if name not in header]
    if missing:
        raise IngestError(
            f"{path}: CSV header lacks required column(s) {', '.join(missing)} "
            f"(found: {', '.join(header)})"
        )
    return header


def _csv_record(
    line: int, header: list[str], row: list[str], json_columns: frozenset[str]
) -> RawRecord:
    if len(row) > len(header):
        return RawRecord(line, error=f"{len(row)} fields but the header has {len(header)} columns")
    data: dict[str, Any] = {}
    for name, cell in zip(header, row, strict=False):
        if name in json_columns:
            if not cell.strip():
                continue
            try:
                data[name] = _loads(cell)
            except json.JSONDecodeError as exc:
                return RawRecord(line, error=f"column {name} is not valid JSON: {exc.msg}")
            except ValueError as exc:
                return RawRecord(line, error=f"column {name} is not valid JSON: {exc}")
        elif name:
            data[name] = cell
    return RawRecord(line, data=clean(data))
