"""Staff accounts, their login sessions and the audit log, as sqlmodel tables.

Everything lives in the shop's database (PostgreSQL in production), so every
server process sees the same accounts, sessions and locks.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Column, Engine, Text
from sqlmodel import Field, SQLModel


def utcnow() -> datetime:
    return datetime.now(UTC)


def as_utc(moment: datetime) -> datetime:
    """SQLite hands datetimes back without a zone; they were stored as UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


class StaffMember(SQLModel, table=True):
    __tablename__ = "staff_member"

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(unique=True, index=True, max_length=320)  # always lower-cased
    name: str = Field(default="", max_length=200)
    role: str = Field(default="agent", max_length=16)  # agent | admin
    password_hash: str = Field(max_length=512)
    active: bool = True
    # consecutive failed logins; the lock doubles with each one past the threshold
    failed_logins: int = 0
    locked_until: datetime | None = None
    created_at: datetime = Field(default_factory=utcnow)
    last_login_at: datetime | None = None


class StaffSession(SQLModel, table=True):
    __tablename__ = "staff_session"

    # SHA-256 (hex) of the cookie's random token: a leaked table opens no session.
    id: str = Field(primary_key=True, max_length=64)
    staff_id: int = Field(foreign_key="staff_member.id", index=True)
    csrf_token: str = Field(max_length=128)
    created_at: datetime = Field(default_factory=utcnow)
    last_seen_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime = Field(index=True)
    user_agent: str = Field(default="", max_length=400)


class AuditEntry(SQLModel, table=True):
    __tablename__ = "audit_entry"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, index=True)
    staff_id: int | None = Field(default=None, index=True)
    # kept apart from staff_id so the entry still reads right after the account changes
    staff_email: str = Field(default="", max_length=320)
    action: str = Field(index=True, max_length=40)
    conversation_id: str | None = Field(default=None, index=True, max_length=64)
    detail: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    ip: str = Field(default="", max_length=64)


STAFF_TABLE_NAMES = ("staff_member", "staff_session", "audit_entry")


def create_staff_tables(engine: Engine) -> None:
    """Create the staff tables where missing (migrations will take over later)."""
    tables = [SQLModel.metadata.tables[name] for name in STAFF_TABLE_NAMES]
    SQLModel.metadata.create_all(engine, tables=tables)
