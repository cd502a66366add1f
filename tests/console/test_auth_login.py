"""Logging in and out through the real form: cookies, sessions, redirects, lockout."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select
from starlette.testclient import TestClient

from bot.console.auth import COOKIE
from bot.console.sessions import session_id
from bot.console.staff_tables import AuditEntry, StaffSession
from tests.console.conftest import (
    Clock,
    StaffLogin,
    login_form_token,
    plant_session_cookie,
    post_login,
)

StaffFactory = Callable[..., StaffLogin]


def audit_actions(engine: Engine) -> list[str]:
    with Session(engine) as session:
        return list(session.exec(select(AuditEntry.action).order_by(AuditEntry.id)).all())


def test_login_sets_a_strict_http_only_cookie_and_redirects(
    client: TestClient, staff_user: StaffFactory, console_engine: Engine
) -> None:
    user = staff_user("agent")
    response = post_login(client, user.email, user.password, next="/console/queue?x=1")
    assert response.status_code == 303
    assert response.headers["location"] == "/console/queue?x=1"
    cookie = next(h for h in response.headers.get_list("set-cookie") if h.startswith(f"{COOKIE}="))
    lowered = cookie.lower()
    assert "httponly" in lowered and "samesite=strict" in lowered and "path=/console" in lowered
    assert "secure" not in lowered  # secure_cookies is off in these tests
    token = client.cookies[COOKIE]
    with Session(console_engine) as session:
        ids = session.exec(select(StaffSession.id)).all()
    # only the token's hash is stored, never the token
    assert ids == [session_id(token)]
    assert token not in ids
    assert audit_actions(console_engine) == ["login"]


def test_secure_cookie_when_configured(
    console_engine: Engine, staff_user: StaffFactory, clock: Clock
) -> None:
    from bot.console.settings import ConsoleSettings
    from tests.console.conftest import make_console_app

    app = make_console_app(console_engine, ConsoleSettings(secure_cookies=True), clock)
    user = staff_user("agent")
    with TestClient(app, base_url="https://testserver", follow_redirects=False) as secure:
        response = post_login(secure, user.email, user.password)
    assert response.status_code == 303
    cookie = next(h for h in response.headers.get_list("set-cookie") if h.startswith(f"{COOKIE}="))
    assert "secure" in cookie.lower()


@pytest.mark.parametrize("email", ["agent1@shop.example", "nobody@shop.example"])
def test_failures_look_the_same_whether_or_not_the_email_exists(
    client: TestClient, staff_user: StaffFactory, email: str
) -> None:
    staff_user("agent")  # agent1@shop.example
    response = post_login(client, email, "not the password at all")
    assert response.status_code == 401
    assert "Wrong email or password, or the account is locked for now." in response.text
    assert COOKIE not in client.cookies


def test_email_is_case_insensitive(client: TestClient, staff_user: StaffFactory) -> None:
    user = staff_user("agent", email="Mixed.Case@Shop.Example")
    assert user.email == "mixed.case@shop.example"
    assert post_login(client, "  MIXED.case@shop.example ", user.password).status_code == 303


def test_login_form_without_its_token_pair_is_refused(
    client: TestClient, staff_user: StaffFactory, console_engine: Engine
) -> None:
    user = staff_user("agent")
    form = {"email": user.email, "password": user.password}
    # no token at all
    assert client.post("/console/login", data=form).status_code == 403
    # the field from one form, a cookie from another client
    token = login_form_token(client)
    client.cookies.delete("kefu_login", path="/console/login")
    assert client.post("/console/login", data={**form, "login_csrf": token}).status_code == 403
    # a forged field with the real cookie
    login_form_token(client)
    assert client.post("/console/login", data={**form, "login_csrf": "forged"}).status_code == 403
    assert COOKIE not in client.cookies
    assert "login" not in audit_actions(console_engine)


def test_login_form_token_expires(
    client: TestClient, staff_user: StaffFactory, clock: Clock
) -> None:
    user = staff_user("agent")
    token = login_form_token(client)
    clock.advance(21 * 60)
    form = {"email": user.email, "password": user.password, "login_csrf": token}
    assert client.post("/console/login", data=form).status_code == 403


def test_logout_ends_the_session_server_side(
    client: TestClient,
    staff_user: StaffFactory,
    login: Callable[[StaffLogin], str],
    console_engine: Engine,
) -> None:
    csrf = login(staff_user("admin"))
    token = client.cookies[COOKIE]
    assert client.get("/console/admin/staff").status_code == 200
    response = client.post("/console/logout", data={"csrf_token": csrf})
    assert response.status_code == 303
    assert response.headers["location"] == "/console/login"
    with Session(console_engine) as session:
        assert session.exec(select(StaffSession)).all() == []
    # the old cookie, sent again by hand, opens nothing
    plant_session_cookie(client, token)
    assert client.get("/console/admin/staff", headers={"accept": "text/html"}).status_code == 303
    assert audit_actions(console_engine)[-1] == "logout"


def test_a_bounced_page_is_reached_after_logging_in(
    client: TestClient, staff_user: StaffFactory
) -> None:
    user = staff_user("admin")
    bounced = client.get("/console/admin/audit?action=login", headers={"accept": "text/html"})
    assert bounced.status_code == 303
    form_page = client.get(bounced.headers["location"])
    assert 'name="next" value="/console/admin/audit?action=login"' in form_page.text
    token = login_form_token(client)
    response = client.post(
        "/console/login",
        data={
            "email": user.email,
            "password": user.password,
            "login_csrf": token,
            "next": "/console/admin/audit?action=login",
        },
    )
    assert response.headers["location"] == "/console/admin/audit?action=login"
    assert client.get(response.headers["location"]).status_code == 200


def test_the_login_page_is_bilingual_and_never_cached(client: TestClient) -> None:
    page = client.get("/console/login", headers={"accept-language": "zh-CN,zh;q=0.9"})
    assert page.status_code == 200
    assert "登录" in page.text and "Log in" in page.text
    assert '<html lang="zh">' in page.text
    assert page.headers["cache-control"] == "no-store"
    assert page.headers["x-frame-options"] == "DENY"
