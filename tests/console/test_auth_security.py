"""Lockout, session fixation, open redirects, expiry, disabled accounts, IP throttling."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi import FastAPI
from sqlalchemy import Engine
from sqlmodel import Session, select
from starlette.testclient import TestClient

from bot.console.auth import COOKIE
from bot.console.sessions import SessionPolicy, resolve_session
from bot.console.settings import ConsoleSettings
from bot.console.staff_store import add_staff, set_active
from bot.console.staff_tables import AuditEntry, StaffMember
from tests.console.conftest import (
    Clock,
    StaffLogin,
    make_console_app,
    plant_session_cookie,
    post_login,
    session_csrf,
)
from tests.support.databases import engine_for

StaffFactory = Callable[..., StaffLogin]
HTML = {"accept": "text/html"}


def failed_logins(engine: Engine, email: str) -> int:
    with Session(engine) as session:
        row = session.exec(select(StaffMember).where(StaffMember.email == email)).one()
        return row.failed_logins


def test_five_wrong_passwords_lock_the_account_even_for_the_right_one(
    client: TestClient, staff_user: StaffFactory, clock: Clock, console_engine: Engine
) -> None:
    user = staff_user("agent")
    for _ in range(5):
        assert post_login(client, user.email, "wrong password!!").status_code == 401
    assert failed_logins(console_engine, user.email) == 5
    # locked: the right password is refused, with the same message as a wrong one
    refused = post_login(client, user.email, user.password)
    assert refused.status_code == 401
    assert "Wrong email or password" in refused.text
    assert COOKIE not in client.cookies
    clock.advance(29)  # 29 s after the lock began: still locked
    assert post_login(client, user.email, user.password).status_code == 401
    clock.advance(2)  # past the first 30 s lock
    assert post_login(client, user.email, user.password).status_code == 303
    assert failed_logins(console_engine, user.email) == 0


def test_each_further_failure_doubles_the_lock_up_to_an_hour(
    client: TestClient, staff_user: StaffFactory, clock: Clock, console_engine: Engine
) -> None:
    user = staff_user("agent")
    for _ in range(5):
        post_login(client, user.email, "wrong password!!")
    expected = [60, 120, 240, 480, 960, 1920, 3600, 3600]
    for seconds in expected:
        clock.advance(3601)  # the previous lock is over; this failure sets the next one
        post_login(client, user.email, "wrong password!!")
        with Session(console_engine) as session:
            row = session.exec(select(StaffMember).where(StaffMember.email == user.email)).one()
        assert row.locked_until is not None
        locked_for = row.locked_until.replace(tzinfo=clock.now.tzinfo) - clock.now
        assert locked_for.total_seconds() == seconds
    with Session(console_engine) as session:
        details = session.exec(
            select(AuditEntry.detail).where(AuditEntry.action == "login_failed")
        ).all()
    assert len(details) == 5 + len(expected)
    assert details[-1].endswith("locked for 3600 s")


def test_attempts_while_locked_do_not_extend_the_lock(
    client: TestClient, staff_user: StaffFactory, clock: Clock, console_engine: Engine
) -> None:
    user = staff_user("agent")
    for _ in range(5):
        post_login(client, user.email, "wrong password!!")
    for _ in range(3):
        post_login(client, user.email, "wrong password!!")
    assert failed_logins(console_engine, user.email) == 5
    clock.advance(31)
    assert post_login(client, user.email, user.password).status_code == 303


def test_one_address_failing_against_many_accounts_is_slowed(
    console_engine: Engine, staff_user: StaffFactory, clock: Clock
) -> None:
    settings = ConsoleSettings(login_ip_failures=3, login_ip_window_seconds=600)
    app = make_console_app(console_engine, settings, clock)
    user = staff_user("agent")
    with TestClient(app, follow_redirects=False) as client:
        for n in range(3):
            guess = post_login(client, f"guess{n}@shop.example", "wrong password!!")
            assert guess.status_code == 401
        slowed = post_login(client, user.email, user.password)
        assert slowed.status_code == 429
        assert 0 < int(slowed.headers["retry-after"]) <= 600
        assert COOKIE not in client.cookies
    # nothing counted against the real account
    assert failed_logins(console_engine, user.email) == 0


def test_a_cookie_from_before_login_is_never_promoted(
    client: TestClient, staff_user: StaffFactory, console_app: FastAPI
) -> None:
    user = staff_user("agent")
    planted = "attacker-chosen-session-value-0123456789abcdef"
    plant_session_cookie(client, planted)
    assert post_login(client, user.email, user.password).status_code == 303
    issued = client.cookies[COOKIE]
    assert issued != planted
    engine = console_app.state.console.engine
    policy = SessionPolicy(
        idle=timedelta(hours=12), absolute=timedelta(hours=168), lockout_after=5, lockout_seconds=30
    )
    assert resolve_session(engine, planted, policy=policy, now=Clock().now) is None
    assert resolve_session(engine, issued, policy=policy, now=Clock().now) is not None


def test_logging_in_again_ends_the_previous_session(
    client: TestClient, staff_user: StaffFactory
) -> None:
    user = staff_user("admin")
    assert post_login(client, user.email, user.password).status_code == 303
    first = client.cookies[COOKIE]
    assert post_login(client, user.email, user.password).status_code == 303
    second = client.cookies[COOKIE]
    assert first != second
    plant_session_cookie(client, first)
    assert client.get("/console/admin/staff", headers=HTML).status_code == 303


OPEN_REDIRECTS = [
    "https://evil.example",
    "//evil.example",
    "/\\evil.example",
    "\\\\evil.example",
    "/console/../x",
    "/console/%2e%2e/x",
    "/console/%252e%252e/x",
    "%2F%2Fevil.example",
    "/%2F/evil.example",
    "/console%2F..%2F..%2Fx",
    "/%5Cevil.example",
    "/console/%5C%5Cevil.example",
    "/\t/evil.example",
    "/console\r\nLocation: https://evil.example",
    "javascript:alert(1)",
    "https:/console",
    "/consolex",
    "/console@evil.example",
    "/console//evil.example",
    "evil.example/console",
    "",
]


@pytest.mark.parametrize("target", OPEN_REDIRECTS)
def test_next_outside_the_console_lands_on_the_console(
    client: TestClient, staff_user: StaffFactory, target: str
) -> None:
    user = staff_user("agent")
    response = post_login(client, user.email, user.password, next=target)
    assert response.status_code == 303
    assert response.headers["location"] == "/console"


@pytest.mark.parametrize(
    "target",
    ["/console", "/console/queue", "/console/c/abc-1?tab=claims#t3", "/console/c/%E4%BD%A0"],
)
def test_next_under_the_console_is_kept(
    client: TestClient, staff_user: StaffFactory, target: str
) -> None:
    user = staff_user("agent")
    response = post_login(client, user.email, user.password, next=target)
    assert response.headers["location"] == target


def test_a_disabled_member_s_live_session_stops_working(
    client: TestClient,
    staff_user: StaffFactory,
    login: Callable[[StaffLogin], str],
    console_engine: Engine,
) -> None:
    staff_user("admin")  # someone must stay admin
    victim = staff_user("admin")
    login(victim)
    assert client.get("/console/admin/staff").status_code == 200
    set_active(console_engine, victim.email, False)
    assert client.get("/console/admin/staff").status_code == 401
    assert client.get("/console/admin/staff", headers=HTML).status_code == 303
    # nor can it log in again until enabled
    assert post_login(client, victim.email, victim.password).status_code == 401
    set_active(console_engine, victim.email, True)
    assert post_login(client, victim.email, victim.password).status_code == 303


def test_sessions_end_after_the_idle_time_and_the_absolute_limit(
    client: TestClient, staff_user: StaffFactory, login: Callable[[StaffLogin], str], clock: Clock
) -> None:
    login(staff_user("admin"))
    clock.advance(11.9 * 3600)
    assert client.get("/console/admin/staff").status_code == 200  # activity slides the window
    clock.advance(11.9 * 3600)
    assert client.get("/console/admin/staff").status_code == 200
    clock.advance(12.1 * 3600)
    assert client.get("/console/admin/staff").status_code == 401

    login(staff_user("admin"))
    for _ in range(15):  # active every 11 hours, for 165 hours
        clock.advance(11 * 3600)
        assert client.get("/console/admin/staff").status_code == 200
    clock.advance(4 * 3600)  # 169 hours after the login
    assert client.get("/console/admin/staff").status_code == 401


@pytest.fixture
def postgres_engine(tmp_path: Path) -> Iterator[Engine]:
    yield from engine_for("postgres", tmp_path)


@pytest.mark.postgres
def test_sessions_live_in_postgres_and_are_shared_by_replicas(
    postgres_engine: Engine, clock: Clock
) -> None:
    """Two apps (two replicas) on one database: a login on one works on the other."""
    add_staff(postgres_engine, "lead@shop.example", "a long enough password", role="admin")
    settings = ConsoleSettings()
    first = make_console_app(postgres_engine, settings, clock)
    second = make_console_app(postgres_engine, settings, clock)
    with (
        TestClient(first, follow_redirects=False) as one,
        TestClient(second, follow_redirects=False) as two,
    ):
        assert post_login(one, "lead@shop.example", "a long enough password").status_code == 303
        plant_session_cookie(two, one.cookies[COOKIE])
        assert two.get("/console/admin/staff").status_code == 200
        csrf = session_csrf(two)
        assert two.post("/console/logout", data={"csrf_token": csrf}).status_code == 303
        assert one.get("/console/admin/staff").status_code == 401
        # lockout counts on the shared row too
        for client in (one, two, one, two, one):
            post_login(client, "lead@shop.example", "wrong password!!")
        assert post_login(two, "lead@shop.example", "a long enough password").status_code == 401
