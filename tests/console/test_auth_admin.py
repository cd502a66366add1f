"""The admin pages: adding, disabling and enabling staff, and reading the audit log."""

from __future__ import annotations

import re
from collections.abc import Callable

from sqlalchemy import Engine
from sqlmodel import Session, col, select
from starlette.testclient import TestClient

from bot.console.audit import record_audit
from bot.console.passwords import verify_password
from bot.console.staff_tables import AuditEntry, StaffMember
from bot.console.staff_user import StaffUser
from tests.console.conftest import StaffLogin, post_login

StaffFactory = Callable[..., StaffLogin]
Login = Callable[[StaffLogin], str]


def member(engine: Engine, email: str) -> StaffMember | None:
    with Session(engine) as session:
        return session.exec(select(StaffMember).where(StaffMember.email == email)).first()


def last_audit(engine: Engine) -> AuditEntry:
    with Session(engine) as session:
        entry = session.exec(select(AuditEntry).order_by(col(AuditEntry.id).desc())).first()
        assert entry is not None
        return entry


def test_staff_page_lists_accounts(
    client: TestClient, staff_user: StaffFactory, login: Login
) -> None:
    admin = staff_user("admin", name="Lead <b>")
    staff_user("agent", email="agent@shop.example")
    login(admin)
    page = client.get("/console/admin/staff")
    assert page.status_code == 200
    assert "agent@shop.example" in page.text
    assert "Lead &lt;b&gt;" in page.text  # names are escaped
    assert page.headers["cache-control"] == "no-store"


def test_admin_adds_a_member_with_a_given_password(
    client: TestClient, staff_user: StaffFactory, login: Login, console_engine: Engine
) -> None:
    csrf = login(staff_user("admin"))
    form = {
        "csrf_token": csrf,
        "email": "New@Shop.Example",
        "name": "New",
        "role": "agent",
        "password": "a long enough password",
    }
    response = client.post("/console/admin/staff", data=form)
    assert response.status_code == 200
    assert "Added new@shop.example (agent)." in response.text
    row = member(console_engine, "new@shop.example")
    assert row is not None and verify_password(row.password_hash, form["password"]).ok
    entry = last_audit(console_engine)
    assert (entry.action, entry.detail) == ("staff_added", "new@shop.example as agent")
    assert entry.staff_email.startswith("admin")
    # the new member can log in
    other = TestClient(client.app, follow_redirects=False)
    assert post_login(other, "new@shop.example", form["password"]).status_code == 303


def test_admin_adds_a_member_with_a_generated_password_shown_once(
    client: TestClient, staff_user: StaffFactory, login: Login, console_engine: Engine
) -> None:
    csrf = login(staff_user("admin"))
    response = client.post(
        "/console/admin/staff",
        data={"csrf_token": csrf, "email": "gen@shop.example", "role": "admin", "generate": "true"},
    )
    assert response.status_code == 200
    found = re.search(r'<code class="secret">([^<]+)</code>', response.text)
    assert found
    password = found.group(1)
    assert len(password) >= 16
    row = member(console_engine, "gen@shop.example")
    assert row is not None and row.role == "admin"
    assert verify_password(row.password_hash, password).ok
    assert password not in client.get("/console/admin/staff").text


def test_bad_additions_are_refused_with_a_reason(
    client: TestClient, staff_user: StaffFactory, login: Login, console_engine: Engine
) -> None:
    csrf = login(staff_user("admin", email="boss@shop.example"))
    cases = [
        ({"email": "x@shop.example", "password": "too short"}, "at least 12 characters"),
        ({"email": "boss@shop.example", "password": "a long enough password"}, "already exists"),
        ({"email": "nope", "password": "a long enough password"}, "not an email address"),
        (
            {"email": "y@shop.example", "password": "a long enough password", "role": "root"},
            "role must be one of",
        ),
    ]
    for fields, message in cases:
        response = client.post("/console/admin/staff", data={"csrf_token": csrf, **fields})
        assert response.status_code == 400, fields
        assert message in response.text, fields
    assert member(console_engine, "x@shop.example") is None
    assert member(console_engine, "y@shop.example") is None


def test_disable_and_enable_from_the_page(
    client: TestClient, staff_user: StaffFactory, login: Login, console_engine: Engine
) -> None:
    csrf = login(staff_user("admin"))
    agent = staff_user("agent")
    agent_client = TestClient(client.app, follow_redirects=False)
    assert post_login(agent_client, agent.email, agent.password).status_code == 303
    assert agent_client.get("/console/queue.json").status_code == 200

    response = client.post(
        f"/console/admin/staff/{agent.account.id}/disable", data={"csrf_token": csrf}
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/console/admin/staff"
    row = member(console_engine, agent.email)
    assert row is not None and not row.active
    assert last_audit(console_engine).action == "staff_disabled"
    # the agent's open session ends at once
    assert agent_client.get("/console/queue.json").status_code == 401

    response = client.post(
        f"/console/admin/staff/{agent.account.id}/enable", data={"csrf_token": csrf}
    )
    assert response.status_code == 303
    assert last_audit(console_engine).action == "staff_enabled"
    assert post_login(agent_client, agent.email, agent.password).status_code == 303


def test_an_admin_cannot_disable_themselves_or_an_unknown_id(
    client: TestClient, staff_user: StaffFactory, login: Login
) -> None:
    admin = staff_user("admin")
    staff_user("admin")
    csrf = login(admin)
    own = client.post(f"/console/admin/staff/{admin.account.id}/disable", data={"csrf_token": csrf})
    assert own.status_code == 400
    assert "your own account" in own.text
    ghost = client.post("/console/admin/staff/9999/disable", data={"csrf_token": csrf})
    assert ghost.status_code == 400
    assert client.get("/console/admin/staff").status_code == 200


def test_audit_page_filters_and_pages(
    client: TestClient, staff_user: StaffFactory, login: Login, console_engine: Engine
) -> None:
    admin = staff_user("admin", email="boss@shop.example")
    login(admin)
    someone = StaffUser(id=99, email="ann@shop.example", name="Ann", role="agent", csrf_token="-")
    for n in range(60):
        record_audit(console_engine, someone, "view_transcript", conversation_id=f"conv-{n % 3}")
    record_audit(console_engine, someone, "reveal_pii", conversation_id="conv-1", detail="<x>")

    page = client.get("/console/admin/audit")
    assert page.status_code == 200
    assert "Entries: 62<" in page.text  # 61 above and the admin's own login
    assert "Page 1 of 2" in page.text and "Older" in page.text
    assert "&lt;x&gt;" in page.text

    second = client.get("/console/admin/audit", params={"page": 2})
    assert "Page 2 of 2" in second.text and "Newer" in second.text

    by_action = client.get("/console/admin/audit", params={"action": "reveal_pii"})
    assert "Entries: 1<" in by_action.text
    by_conversation = client.get(
        "/console/admin/audit", params={"conversation": "conv-1", "action": "view_transcript"}
    )
    assert "Entries: 20<" in by_conversation.text
    by_staff = client.get("/console/admin/audit", params={"staff": "BOSS@shop.example"})
    assert "Entries: 1<" in by_staff.text
    assert "login" in by_staff.text
    assert client.get("/console/admin/audit", params={"page": 0}).status_code == 422
