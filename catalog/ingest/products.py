"""`kefu ingest catalog FILE`: upsert products and their passages from JSONL or CSV."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session, col, delete, insert, select, update

from catalog.db import session_scope
from catalog.errors import IngestError
from catalog.ingest.fields import BadValue
from catalog.ingest.product_record import (
    JSON_COLUMNS,
    REQUIRED_COLUMNS,
    ProductRecord,
    parse_product,
)
from catalog.ingest.records import RawRecord, read_records
from catalog.ingest.report import IngestReport, ReportBuilder
from catalog.models import Product, ProductPassage, utcnow

# Products written per round trip; bounds memory on large catalogs.
BATCH = 500


def ingest_catalog(
    engine: Engine, path: Path | str, *, delete_missing: bool = False, strict: bool = False
) -> IngestReport:
    """Load a catalog file in one transaction and report what changed.

    A bad line is reported and skipped (or, with `strict`, rejects the file).
    With `delete_missing`, products absent from the file are deleted, unless
    a rejected line's SKU cannot be read: then deleting could remove a
    product that is in the file, so nothing is deleted.
    """
    path = Path(path)
    report = ReportBuilder(kind="catalog", source=str(path))
    with session_scope(engine) as session:
        scan = _Scan()
        records = 0
        for batch in _batches(_valid_records(path, report, scan)):
            records += len(batch)
            _upsert(session, batch, report)
        records += len(report.errors)
        if records == 0:
            refusal = (
                " --delete-missing refuses to delete every product because of an empty file."
                if delete_missing
                else ""
            )
            raise IngestError(f"{path}: the file holds no records; nothing changed.{refusal}")
        report.raise_if_strict(strict)
        if delete_missing:
            if scan.unreadable_sku:
                report.notes.append(
                    "--delete-missing skipped: a rejected line has no readable sku, so deleting "
                    "could remove a product that is in the file; fix the lines and re-run"
                )
            else:
                _delete_missing(session, set(scan.seen), report)
    return report.build()


@dataclass
class _Scan:
    seen: dict[str, int] = field(default_factory=dict)  # sku -> first line, rejected or not
    unreadable_sku: bool = False  # a rejected line whose sku is unknown


def _valid_records(path: Path, report: ReportBuilder, scan: _Scan) -> Iterator[ProductRecord]:
    """Parse each line; a bad line is recorded in `report`, a duplicate SKU keeps the first."""
    raw: RawRecord
    for raw in read_records(path, json_columns=JSON_COLUMNS, required_columns=REQUIRED_COLUMNS):
        if raw.data is None:
            report.reject(raw.line, raw.error)
            scan.unreadable_sku = True
            continue
        sku = raw.data.get("sku")
        key = sku.strip() if isinstance(sku, str) else str(sku) if isinstance(sku, int) else None
        if not key:
            scan.unreadable_sku = True
        elif key in scan.seen:
            report.reject(raw.line, f"duplicate sku {key}, first seen on line {scan.seen[key]}")
            continue
        else:
            scan.seen[key] = raw.line
        try:
            yield parse_product(raw.data)
        except BadValue as exc:
            report.reject(raw.line, f"sku {key}: {exc}" if key else str(exc))


def _batches(records: Iterator[ProductRecord]) -> Iterator[list[ProductRecord]]:
    batch: list[ProductRecord] = []
    for record in records:
        batch.append(record)
        if len(batch) >= BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def _upsert(session: Session, batch: list[ProductRecord], report: ReportBuilder) -> None:
    """Insert new products, update changed ones, skip the rest; rows as dicts, no ORM objects.

    Building one SQLModel object per row costs more than the SQL itself.
    """
    skus = [record.sku for record in batch]
    stored = dict(
        session.exec(
            select(Product.sku, Product.content_hash).where(col(Product.sku).in_(skus))
        ).all()
    )
    new_rows: list[dict[str, Any]] = []
    changed_rows: list[dict[str, Any]] = []
    passages: list[dict[str, Any]] = []
    now = utcnow()
    for record in batch:
        digest = record.content_hash()
        if stored.get(record.sku) == digest:
            report.unchanged += 1
            continue
        (changed_rows if record.sku in stored else new_rows).append(_row(record, digest, now))
        report.changed.add(record.sku)
        passages.extend(
            {"sku": record.sku, "position": i, "source": p.source, "text": p.text, "lang": p.lang}
            for i, p in enumerate(record.passages)
        )
    report.added += len(new_rows)
    report.updated += len(changed_rows)
    if changed_rows:
        replaced = [row["sku"] for row in changed_rows]
        session.exec(delete(ProductPassage).where(col(ProductPassage.sku).in_(replaced)))
        session.exec(update(Product), params=changed_rows)
    # Products first: their passages point at them.
    if new_rows:
        session.exec(insert(Product), params=new_rows)
    if passages:
        session.exec(insert(ProductPassage), params=passages)


def _row(record: ProductRecord, digest: str, now: datetime) -> dict[str, Any]:
    return {
        "sku": record.sku,
        "title": record.title,
        "description": record.description,
        "category": record.category,
        "brand": record.brand,
        "price": record.price,
        "currency": record.currency,
        "stock": record.stock,
        "attributes": record.attributes,
        "translations": record.translations,
        "url": record.url,
        "image_url": record.image_url,
        "lang": record.lang,
        "content_hash": digest,
        "updated_at": now,
    }


def _delete_missing(session: Session, keep: set[str], report: ReportBuilder) -> None:
    stored = set(session.exec(select(Product.sku)).all())
    doomed = sorted(stored - keep)
    for start in range(0, len(doomed), BATCH):
        chunk = doomed[start : start + BATCH]
        session.exec(delete(ProductPassage).where(col(ProductPassage.sku).in_(chunk)))
        session.exec(delete(Product).where(col(Product.sku).in_(chunk)))
    report.deleted = len(doomed)
    report.removed.update(doomed)
