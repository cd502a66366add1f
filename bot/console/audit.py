"""The audit log: who did what to which conversation, and when.

Entries are only ever added; the admin page reads them newest first.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, Engine, func
from sqlmodel import col, select

from bot.console.staff_tables import AuditEntry, as_utc, utcnow
from bot.console.staff_user import StaffUser
from catalog.db import session_scope

# Enough for a user agent or a reason; a detail is a note, not a document.
MAX_DETAIL = 2000


def audit_entry(
    staff_id: int | None,
    staff_email: str,
    action: str,
    *,
    conversation_id: str | None = None,
    detail: str = "",
    ip: str = "",
    at: datetime | None = None,
) -> AuditEntry:
    return AuditEntry(
        at=at or utcnow(),
        staff_id=staff_id,
        staff_email=staff_email,
        action=action[:40],
        conversation_id=conversation_id,
        detail=detail[:MAX_DETAIL],
        ip=ip[:64],
    )


def record_audit(
    engine: Engine,
    staff: StaffUser | None,
    action: str,
    *,
    conversation_id: str | None = None,
    detail: str = "",
    ip: str = "",
) -> None:
    """Append one entry (synchronous: async callers use asyncio.to_thread)."""
    entry = audit_entry(
        staff.id if staff else None,
        staff.email if staff else "",
        action,
        conversation_id=conversation_id,
        detail=detail,
        ip=ip,
    )
    with session_scope(engine) as session:
        session.add(entry)


@dataclass(frozen=True)
class AuditFilter:
    action: str = ""
    staff_email: str = ""
    conversation_id: str = ""


@dataclass(frozen=True)
class AuditRow:
    id: int
    at: datetime
    staff_email: str
    action: str
    conversation_id: str | None
    detail: str
    ip: str


@dataclass(frozen=True)
class AuditPage:
    rows: list[AuditRow]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def read_audit(engine: Engine, filters: AuditFilter, *, page: int, per_page: int) -> AuditPage:
    """One page of entries matching every given filter, newest first."""
    page = max(1, page)
    with session_scope(engine) as session:
        conditions = _conditions(filters)
        total = session.exec(select(func.count()).select_from(AuditEntry).where(*conditions)).one()
        rows = session.exec(
            select(AuditEntry)
            .where(*conditions)
            .order_by(col(AuditEntry.at).desc(), col(AuditEntry.id).desc())
            .offset((page - 1) * per_page)
            .limit(per_page)
        ).all()
        return AuditPage([_row(r) for r in rows], int(total), page, per_page)


def actions_seen(engine: Engine) -> list[str]:
    """The distinct actions in the log, for the filter's choices."""
    with session_scope(engine) as session:
        return sorted(session.exec(select(AuditEntry.action).distinct()).all())


def _conditions(filters: AuditFilter) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if filters.action:
        conditions.append(col(AuditEntry.action) == filters.action)
    if filters.staff_email:
        conditions.append(col(AuditEntry.staff_email) == filters.staff_email.strip().lower())
    if filters.conversation_id:
        conditions.append(col(AuditEntry.conversation_id) == filters.conversation_id.strip())
    return conditions


def _row(entry: AuditEntry) -> AuditRow:
    assert entry.id is not None
    return AuditRow(
        id=entry.id,
        at=as_utc(entry.at),
        staff_email=entry.staff_email,
        action=entry.action,
        conversation_id=entry.conversation_id,
        detail=entry.detail,
        ip=entry.ip,
    )
