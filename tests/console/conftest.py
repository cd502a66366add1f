"""Console test fixtures: the console on a FastAPI app over a temporary SQLite database.

`console_app` mounts the real console (install_console) with every table
created and a controllable clock; `staff_user` adds accounts; `login` logs a
TestClient in through the real login form and returns the session's CSRF token.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import Engine
from sqlmodel import SQLModel
from starlette.testclient import TestClient

import bot.console.staff_tables  # noqa: F401  (registers the staff tables)
import catalog.models  # noqa: F401
import dialogue.transcript_tables  # noqa: F401
from bot.console.app import install_console
from bot.console.auth import COOKIE, auth_state, build_auth_state
from bot.console.context import ConsoleContext
from bot.console.sessions import resolve_session
from bot.console.settings import ConsoleSettings
from bot.console.staff_store import StaffAccount, add_staff
from dialogue.conversations import ConversationRepo
from tests.support.databases import sqlite_engine

PASSWORD = "correct horse battery"


class Clock:
    """A wall clock the test moves by hand."""

    def __init__(self, start: datetime | None = None) -> None:
        self.now = start or datetime(2025, 3, 1, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@dataclass(frozen=True)
class StaffLogin:
    account: StaffAccount
    password: str

    @property
    def email(self) -> str:
        return self.account.email


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def console_settings() -> ConsoleSettings:
    # Built from keywords only, so a stray KEFU_CONSOLE_* variable cannot change a test.
    return ConsoleSettings(lockout_after=5, lockout_seconds=30.0, secure_cookies=False)


@pytest.fixture
def console_engine(tmp_path: Path) -> Iterator[Engine]:
    engine = sqlite_engine(tmp_path)
    SQLModel.metadata.create_all(engine)
    yield engine
    engine.dispose()


def make_console_app(engine: Engine, settings: ConsoleSettings, clock: Clock) -> FastAPI:
    app = FastAPI()
    install_console(app, ConsoleContext(engine, settings, ConversationRepo(engine)))
    app.state.console_auth = build_auth_state(settings, clock=clock)
    return app


@pytest.fixture
def console_app(console_engine: Engine, console_settings: ConsoleSettings, clock: Clock) -> FastAPI:
    return make_console_app(console_engine, console_settings, clock)


@pytest.fixture
def client(console_app: FastAPI) -> Iterator[TestClient]:
    with TestClient(console_app, follow_redirects=False) as test_client:
        yield test_client


@pytest.fixture
def staff_user(console_engine: Engine) -> Callable[..., StaffLogin]:
    """Add an account: staff_user(role="agent", email=None, password=PASSWORD, name="")."""
    counter = iter(range(1, 10_000))

    def make(
        role: str = "agent", email: str | None = None, password: str = PASSWORD, name: str = ""
    ) -> StaffLogin:
        address = email or f"{role}{next(counter)}@shop.example"
        account = add_staff(console_engine, address, password, role=role, name=name or role)
        return StaffLogin(account, password)

    return make


LOGIN_FIELD = re.compile(r'name="login_csrf" value="([^"]+)"')


def login_form_token(client: TestClient) -> str:
    page = client.get("/console/login")
    assert page.status_code == 200, page.text
    found = LOGIN_FIELD.search(page.text)
    assert found, "the login form has no login_csrf field"
    return found.group(1)


def post_login(client: TestClient, email: str, password: str, next: str = "") -> httpx.Response:
    token = login_form_token(client)
    return client.post(
        "/console/login",
        data={"email": email, "password": password, "login_csrf": token, "next": next},
    )


def session_csrf(client: TestClient) -> str:
    """The CSRF token of the client's current session, read through the real session lookup."""
    app = client.app
    assert isinstance(app, FastAPI)
    state = auth_state(app)
    staff = resolve_session(
        app.state.console.engine,
        client.cookies.get(COOKIE, ""),
        policy=state.policy,
        now=state.clock(),
    )
    assert staff is not None, "the client holds no live session"
    return staff.csrf_token


@pytest.fixture
def login(client: TestClient) -> Callable[[StaffLogin], str]:
    """Log `client` in as the given staff member; returns the session's CSRF token."""

    def do(user: StaffLogin) -> str:
        response = post_login(client, user.email, user.password)
        assert response.status_code == 303, response.text
        return session_csrf(client)

    return do


def plant_session_cookie(client: TestClient, value: str) -> None:
    """Put `value` in the client's session cookie, replacing whatever it held."""
    client.cookies.delete(COOKIE)
    # the domain the cookie jar gives the server's own cookies, so the next Set-Cookie replaces it
    client.cookies.set(COOKIE, value, domain="testserver.local", path="/console")
