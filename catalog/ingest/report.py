"""What an import did: counts, rejected lines, and the keys the search index must refresh."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from catalog.errors import IngestError

IngestKind = Literal["catalog", "documents", "orders"]


@dataclass(frozen=True)
class LineError:
    """One rejected line (or, for documents, one rejected file) and why."""

    line: int  # 1-based physical line in the file; 0 when the whole file is meant
    reason: str
    file: str = ""  # documents: the file, relative to the ingested directory

    def __str__(self) -> str:
        """ "line 7: reason" (the caller names the file)."""
        return f"line {self.line}: {self.reason}" if self.line else self.reason


@dataclass(frozen=True)
class IngestReport:
    """The outcome of one import, committed as one transaction.

    Counts are products (catalog), passages (documents) or orders (orders).
    `changed_*` holds what was added or updated, so an index can re-embed
    exactly those; `deleted_*` what it must drop.
    """

    kind: IngestKind
    source: str
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0
    rejected: int = 0
    errors: tuple[LineError, ...] = ()
    notes: tuple[str, ...] = ()
    changed_skus: frozenset[str] = frozenset()
    deleted_skus: frozenset[str] = frozenset()
    changed_passage_ids: frozenset[str] = frozenset()
    deleted_passage_ids: frozenset[str] = frozenset()
    changed_order_ids: frozenset[str] = frozenset()

    @property
    def ok(self) -> bool:
        return self.rejected == 0

    @property
    def changed_anything(self) -> bool:
        return bool(self.added or self.updated or self.deleted)

    def summary(self) -> str:
        unit = {"catalog": "products", "documents": "passages", "orders": "orders"}[self.kind]
        return (
            f"{self.kind} {self.source}: {self.added} added, {self.updated} updated, "
            f"{self.unchanged} unchanged, {self.deleted} deleted, {self.rejected} rejected {unit}"
        )


class RejectedFile(IngestError):
    """`strict` mode and a bad line: nothing from the file was stored."""

    def __init__(self, message: str, report: IngestReport) -> None:
        super().__init__(message)
        self.report = report


@dataclass
class ReportBuilder:
    """Mutable tally filled while importing, frozen into an IngestReport at the end."""

    kind: IngestKind
    source: str
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0
    errors: list[LineError] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    changed: set[str] = field(default_factory=set)
    removed: set[str] = field(default_factory=set)

    def reject(self, line: int, reason: str, file: str = "") -> None:
        self.errors.append(LineError(line=line, reason=reason, file=file))

    def build(self) -> IngestReport:
        changed, removed = frozenset(self.changed), frozenset(self.removed)
        is_catalog, is_documents = self.kind == "catalog", self.kind == "documents"
        return IngestReport(
            kind=self.kind,
            source=self.source,
            added=self.added,
            updated=self.updated,
            unchanged=self.unchanged,
            deleted=self.deleted,
            rejected=len(self.errors),
            errors=tuple(sorted(self.errors, key=lambda e: (e.file, e.line))),
            notes=tuple(self.notes),
            changed_skus=changed if is_catalog else frozenset(),
            deleted_skus=removed if is_catalog else frozenset(),
            changed_passage_ids=changed if is_documents else frozenset(),
            deleted_passage_ids=removed if is_documents else frozenset(),
            changed_order_ids=changed if self.kind == "orders" else frozenset(),
        )

    def raise_if_strict(self, strict: bool) -> None:
        """In strict mode any bad line aborts the transaction the caller holds open."""
        if strict and self.errors:
            report = self.build()
            raise RejectedFile(
                f"{self.source}: {len(self.errors)} bad line(s); --strict rejects the whole "
                "file, nothing was stored",
                report,
            )
