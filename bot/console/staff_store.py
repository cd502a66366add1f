"""Staff accounts: add, list, disable, enable, change password.

Synchronous database work; the web routes call it in worker threads and the
`kefu staff` command calls it directly. Database failures arrive as catalog
errors (catalog.db.session_scope translates them).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Literal, cast

from sqlalchemy import Engine, delete, func
from sqlmodel import col, select

from bot.console.passwords import check_new_password, hash_password
from bot.console.staff_tables import StaffMember, StaffSession, as_utc
from catalog.db import session_scope

Role = Literal["agent", "admin"]
ROLES: tuple[Role, ...] = ("agent", "admin")
# Deliberately loose: one @, something on each side, a dot in the domain, no spaces.
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class StaffError(Exception):
    """A staff account change that cannot be made; the message says why."""


class UnknownStaff(StaffError):
    pass


@dataclass(frozen=True)
class StaffAccount:
    """A staff member as the admin page and the command line show it."""

    id: int
    email: str
    name: str
    role: Role
    active: bool
    failed_logins: int
    locked_until: datetime | None
    created_at: datetime
    last_login_at: datetime | None


def normalize_email(email: str) -> str:
    return email.strip().lower()


def check_email(email: str) -> str:
    """The lower-cased address, or StaffError when it cannot be one."""
    normalized = normalize_email(email)
    if len(normalized) > 320 or not _EMAIL.match(normalized):
        raise StaffError(f"not an email address: {email!r}")
    return normalized


def check_role(role: str) -> Role:
    if role not in ROLES:
        raise StaffError(f"role must be one of {', '.join(ROLES)}, got {role!r}")
    return cast(Role, role)


def to_account(row: StaffMember) -> StaffAccount:
    assert row.id is not None
    return StaffAccount(
        id=row.id,
        email=row.email,
        name=row.name,
        role=check_role(row.role),
        active=row.active,
        failed_logins=row.failed_logins,
        locked_until=as_utc(row.locked_until) if row.locked_until else None,
        created_at=as_utc(row.created_at),
        last_login_at=as_utc(row.last_login_at) if row.last_login_at else None,
    )


def add_staff(
    engine: Engine, email: str, password: str, *, role: str, name: str = ""
) -> StaffAccount:
    """Create an account; StaffError for a taken email, a bad role or a weak password."""
    address = check_email(email)
    checked_role = check_role(role)
    try:
        check_new_password(password, address)
    except ValueError as exc:
        raise StaffError(str(exc)) from exc
    password_hash = hash_password(password)
    with session_scope(engine) as session:
        taken = session.exec(select(StaffMember.id).where(StaffMember.email == address)).first()
        if taken is not None:
            raise StaffError(f"a staff member with the email {address} already exists")
        row = StaffMember(
            email=address, name=name.strip(), role=checked_role, password_hash=password_hash
        )
        session.add(row)
        session.flush()
        return to_account(row)


def list_staff(engine: Engine) -> list[StaffAccount]:
    with session_scope(engine) as session:
        rows = session.exec(select(StaffMember).order_by(StaffMember.email)).all()
        return [to_account(row) for row in rows]


def find_staff(engine: Engine, email: str) -> StaffAccount | None:
    with session_scope(engine) as session:
        row = session.exec(
            select(StaffMember).where(StaffMember.email == normalize_email(email))
        ).first()
        return to_account(row) if row else None


def get_staff(engine: Engine, staff_id: int) -> StaffAccount:
    with session_scope(engine) as session:
        row = session.get(StaffMember, staff_id)
        if row is None:
            raise UnknownStaff(f"no staff member with id {staff_id}")
        return to_account(row)


def set_active(engine: Engine, email: str, active: bool) -> StaffAccount:
    """Disable (ending every session at once) or enable an account.

    The last active admin cannot be disabled: nobody could manage staff after.
    """
    address = normalize_email(email)
    with session_scope(engine) as session:
        row = session.exec(select(StaffMember).where(StaffMember.email == address)).first()
        if row is None:
            raise UnknownStaff(f"no staff member with the email {address}")
        if not active and row.active and row.role == "admin":
            admins = session.exec(
                select(func.count())
                .select_from(StaffMember)
                .where(StaffMember.role == "admin", StaffMember.active == True)  # noqa: E712
            ).one()
            if admins <= 1:
                raise StaffError(f"{address} is the last active admin and cannot be disabled")
        row.active = active
        if active:
            row.failed_logins = 0
            row.locked_until = None
        else:
            session.exec(delete(StaffSession).where(col(StaffSession.staff_id) == row.id))
        session.add(row)
        session.flush()
        return to_account(row)


def set_password(engine: Engine, email: str, password: str) -> StaffAccount:
    """Replace the password, lift any lock and end the account's sessions."""
    address = normalize_email(email)
    try:
        check_new_password(password, address)
    except ValueError as exc:
        raise StaffError(str(exc)) from exc
    password_hash = hash_password(password)
    with session_scope(engine) as session:
        row = session.exec(select(StaffMember).where(StaffMember.email == address)).first()
        if row is None:
            raise UnknownStaff(f"no staff member with the email {address}")
        row.password_hash = password_hash
        row.failed_logins = 0
        row.locked_until = None
        session.exec(delete(StaffSession).where(col(StaffSession.staff_id) == row.id))
        session.add(row)
        session.flush()
        return to_account(row)


def count_staff(engine: Engine) -> int:
    with session_scope(engine) as session:
        return int(session.exec(select(func.count()).select_from(StaffMember)).one())
