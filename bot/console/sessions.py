"""Logging in and out, and the sessions that follow, kept in the database.

The cookie holds a random token; the table holds only its SHA-256, so reading
the table opens no session. A login always makes a new session (a token
presented before the login is never promoted), and each failed password
counts toward a lock that doubles with every further failure.

Synchronous: the web routes call these in worker threads.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from sqlalchemy import Engine, delete
from sqlmodel import Session, col, select

from bot.console.audit import audit_entry
from bot.console.passwords import burn_verification_time, verify_password
from bot.console.staff_store import check_role, normalize_email
from bot.console.staff_tables import StaffMember, StaffSession, as_utc
from bot.console.staff_user import StaffUser
from catalog.db import session_scope

# No lock lasts longer than this, however many failures follow.
MAX_LOCK = timedelta(hours=1)
# A session's last_seen_at is written at most this often (not on every request).
TOUCH_EVERY = timedelta(seconds=60)
# token_urlsafe(32) is 43 characters; anything much longer is not ours.
MAX_TOKEN_LENGTH = 128

Outcome = Literal["ok", "unknown_email", "wrong_password", "locked", "disabled"]


@dataclass(frozen=True)
class SessionPolicy:
    idle: timedelta  # a session unused this long has ended
    absolute: timedelta  # and none outlives this, used or not
    lockout_after: int  # consecutive failures before the first lock
    lockout_seconds: float  # the first lock; each further failure doubles it


@dataclass(frozen=True)
class LoginResult:
    outcome: Outcome
    staff: StaffUser | None = None
    token: str | None = None  # the new cookie value, on success only
    locked_until: datetime | None = None

    @property
    def ok(self) -> bool:
        return self.outcome == "ok"


def session_id(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def lock_length(failures: int, policy: SessionPolicy) -> timedelta | None:
    """How long the account locks after `failures` consecutive failures (None: not yet)."""
    beyond = failures - policy.lockout_after
    if beyond < 0:
        return None
    # Capped in seconds first: 2**beyond soon outgrows what a timedelta can hold.
    seconds = policy.lockout_seconds * 2 ** min(beyond, 32)
    return timedelta(seconds=min(seconds, MAX_LOCK.total_seconds()))


def log_in(
    engine: Engine,
    email: str,
    password: str,
    *,
    policy: SessionPolicy,
    now: datetime,
    ip: str = "",
    user_agent: str = "",
    previous_token: str | None = None,
) -> LoginResult:
    """Check the password and open a new session, or count the failure; both audited."""
    address = normalize_email(email)
    with session_scope(engine) as session:
        # FOR UPDATE on PostgreSQL: concurrent failures on one account all count.
        row = session.exec(
            select(StaffMember).where(StaffMember.email == address).with_for_update()
        ).first()
        if row is None:
            burn_verification_time(password)
            _audit(session, None, address, "login_failed", "unknown email", ip, now)
            return LoginResult("unknown_email")
        if row.locked_until is not None and as_utc(row.locked_until) > now:
            burn_verification_time(password)
            _audit(session, row.id, address, "login_failed", "account locked", ip, now)
            return LoginResult("locked", locked_until=as_utc(row.locked_until))
        checked = verify_password(row.password_hash, password)
        if not row.active:
            _audit(session, row.id, address, "login_failed", "account disabled", ip, now)
            return LoginResult("disabled")
        if not checked.ok:
            return _count_failure(session, row, policy, now, ip)
        if checked.new_hash:
            row.password_hash = checked.new_hash
        row.failed_logins = 0
        row.locked_until = None
        row.last_login_at = now
        session.add(row)
        if previous_token:
            session.exec(delete(StaffSession).where(col(StaffSession.id) == _sid(previous_token)))
        # Housekeeping: ended sessions go when someone logs in.
        session.exec(delete(StaffSession).where(col(StaffSession.expires_at) <= now))
        assert row.id is not None
        token = secrets.token_urlsafe(32)
        csrf_token = secrets.token_urlsafe(32)
        session.add(
            StaffSession(
                id=session_id(token),
                staff_id=row.id,
                csrf_token=csrf_token,
                created_at=now,
                last_seen_at=now,
                expires_at=now + min(policy.idle, policy.absolute),
                user_agent=user_agent[:400],
            )
        )
        _audit(session, row.id, address, "login", user_agent[:200], ip, now)
        return LoginResult("ok", staff=_user(row, csrf_token), token=token)


def _count_failure(
    session: Session, row: StaffMember, policy: SessionPolicy, now: datetime, ip: str
) -> LoginResult:
    row.failed_logins += 1
    lock = lock_length(row.failed_logins, policy)
    detail = f"wrong password ({row.failed_logins} in a row)"
    if lock is not None:
        row.locked_until = now + lock
        detail += f", locked for {int(lock.total_seconds())} s"
    session.add(row)
    _audit(session, row.id, row.email, "login_failed", detail, ip, now)
    locked_until = as_utc(row.locked_until) if lock is not None and row.locked_until else None
    return LoginResult("wrong_password", locked_until=locked_until)


def resolve_session(
    engine: Engine, token: str, *, policy: SessionPolicy, now: datetime
) -> StaffUser | None:
    """The staff member whose live session `token` opens; None when it opens none."""
    if not token or len(token) > MAX_TOKEN_LENGTH:
        return None
    with session_scope(engine) as session:
        found = session.exec(
            select(StaffSession, StaffMember)
            .join(StaffMember, col(StaffMember.id) == col(StaffSession.staff_id))
            .where(StaffSession.id == session_id(token))
        ).first()
        if found is None:
            return None
        record, member = found
        ends = min(as_utc(record.expires_at), as_utc(record.created_at) + policy.absolute)
        if ends <= now or not member.active:
            session.delete(record)
            return None
        if now - as_utc(record.last_seen_at) >= TOUCH_EVERY:
            record.last_seen_at = now
            record.expires_at = min(now + policy.idle, as_utc(record.created_at) + policy.absolute)
            session.add(record)
        return _user(member, record.csrf_token)


def log_out(engine: Engine, token: str) -> None:
    """End the session `token` opens, if any (idempotent)."""
    if not token or len(token) > MAX_TOKEN_LENGTH:
        return
    with session_scope(engine) as session:
        session.exec(delete(StaffSession).where(col(StaffSession.id) == session_id(token)))


def _sid(token: str) -> str:
    return session_id(token[:MAX_TOKEN_LENGTH])


def _user(row: StaffMember, csrf_token: str) -> StaffUser:
    assert row.id is not None
    return StaffUser(
        id=row.id, email=row.email, name=row.name, role=check_role(row.role), csrf_token=csrf_token
    )


def _audit(
    session: Session,
    staff_id: int | None,
    email: str,
    action: str,
    detail: str,
    ip: str,
    now: datetime,
) -> None:
    session.add(audit_entry(staff_id, email[:320], action, detail=detail, ip=ip, at=now))
