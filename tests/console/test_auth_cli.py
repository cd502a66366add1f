"""`kefu staff add|list|disable|enable|passwd` through the real command line."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import Result
from sqlmodel import Session, select
from typer.testing import CliRunner

from bot.cli import app
from bot.console.passwords import verify_password
from bot.console.staff_tables import AuditEntry, StaffMember, create_staff_tables
from catalog.db import create_db_engine

runner = CliRunner()
PASSWORD = "a long enough password"


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point the CLI at a fresh SQLite database under tmp_path."""
    monkeypatch.chdir(tmp_path)  # no stray .env
    monkeypatch.delenv("KEFU_DATABASE_URL", raising=False)
    monkeypatch.setenv("KEFU_DATA_DIR", str(tmp_path / "data"))
    return tmp_path / "data"


def members(data_dir: Path) -> dict[str, StaffMember]:
    engine = create_db_engine(f"sqlite:///{data_dir / 'kefu.db'}")
    create_staff_tables(engine)  # a command refused before any database work made none
    with Session(engine) as session:
        rows = {row.email: row for row in session.exec(select(StaffMember)).all()}
    engine.dispose()
    return rows


def audit(data_dir: Path) -> list[tuple[str, str]]:
    engine = create_db_engine(f"sqlite:///{data_dir / 'kefu.db'}")
    with Session(engine) as session:
        rows = session.exec(select(AuditEntry).order_by(AuditEntry.id)).all()
        found = [(row.action, row.detail) for row in rows]
    engine.dispose()
    return found


def add(email: str, *args: str, password: str = PASSWORD) -> Result:
    return runner.invoke(app, ["staff", "add", email, *args], input=f"{password}\n{password}\n")


def test_add_prompts_twice_and_stores_an_argon2id_hash(data_dir: Path) -> None:
    result = add("Ann@Shop.Example", "--role", "admin", "--name", "Ann")
    assert result.exit_code == 0, result.output
    assert "added ann@shop.example (admin)" in result.stdout
    assert PASSWORD not in result.stdout  # a typed password is never echoed
    row = members(data_dir)["ann@shop.example"]
    assert row.role == "admin" and row.name == "Ann" and row.active
    assert row.password_hash.startswith("$argon2id$")
    assert verify_password(row.password_hash, PASSWORD).ok
    assert audit(data_dir) == [("staff_added", "ann@shop.example as admin, from the command line")]


def test_add_refuses_mismatched_confirmation(data_dir: Path) -> None:
    result = runner.invoke(
        app, ["staff", "add", "a@shop.example"], input=f"{PASSWORD}\nsomething else!!\n"
    )
    assert result.exit_code != 0
    assert members(data_dir) == {}


@pytest.mark.parametrize(
    ("email", "password", "message"),
    [
        ("b@shop.example", "short", "at least 12 characters"),
        ("long.address@shop.example", "long.address@shop.example", "must not be the email"),
        ("not-an-email", PASSWORD, "not an email address"),
    ],
)
def test_add_refuses_weak_passwords_and_bad_emails(
    data_dir: Path, email: str, password: str, message: str
) -> None:
    result = add(email, password=password)
    assert result.exit_code == 1
    assert message in result.stderr
    assert members(data_dir) == {}


def test_add_refuses_a_taken_email_and_a_bad_role(data_dir: Path) -> None:
    assert add("c@shop.example").exit_code == 0
    again = add("C@shop.example")
    assert again.exit_code == 1
    assert "already exists" in again.stderr
    bad_role = add("d@shop.example", "--role", "owner")
    assert bad_role.exit_code == 1
    assert "role must be one of agent, admin" in bad_role.stderr
    assert set(members(data_dir)) == {"c@shop.example"}


def test_generate_prints_a_strong_password_once(data_dir: Path) -> None:
    result = runner.invoke(app, ["staff", "add", "e@shop.example", "--generate"])
    assert result.exit_code == 0, result.output
    found = re.search(r"password \(shown only now\): (\S+)", result.stdout)
    assert found
    password = found.group(1)
    assert len(password) >= 16
    assert verify_password(members(data_dir)["e@shop.example"].password_hash, password).ok
    other = runner.invoke(app, ["staff", "add", "f@shop.example", "--generate"])
    assert password not in other.stdout


def test_list_shows_every_member(data_dir: Path) -> None:
    empty = runner.invoke(app, ["staff", "list"])
    assert empty.exit_code == 0
    assert "no staff members yet" in empty.stdout
    add("zed@shop.example", "--role", "admin", "--name", "Zed")
    add("amy@shop.example", "--name", "艾米")
    result = runner.invoke(app, ["staff", "list"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.strip().splitlines()
    assert lines == [
        "amy@shop.example\tagent\tactive\t-\t艾米",
        "zed@shop.example\tadmin\tactive\t-\tZed",
    ]


def test_disable_and_enable(data_dir: Path) -> None:
    add("boss@shop.example", "--role", "admin")
    add("g@shop.example")
    result = runner.invoke(app, ["staff", "disable", "G@shop.example"])
    assert result.exit_code == 0, result.output
    assert "disabled g@shop.example" in result.stdout
    assert not members(data_dir)["g@shop.example"].active
    assert "g@shop.example\tagent\tdisabled" in runner.invoke(app, ["staff", "list"]).stdout
    assert runner.invoke(app, ["staff", "enable", "g@shop.example"]).exit_code == 0
    assert members(data_dir)["g@shop.example"].active
    actions = [action for action, _ in audit(data_dir)]
    assert actions[-2:] == ["staff_disabled", "staff_enabled"]


def test_disable_refuses_unknown_accounts_and_the_last_admin(data_dir: Path) -> None:
    unknown = runner.invoke(app, ["staff", "disable", "ghost@shop.example"])
    assert unknown.exit_code == 1
    assert "no staff member with the email ghost@shop.example" in unknown.stderr
    add("only@shop.example", "--role", "admin")
    last = runner.invoke(app, ["staff", "disable", "only@shop.example"])
    assert last.exit_code == 1
    assert "last active admin" in last.stderr
    assert members(data_dir)["only@shop.example"].active


def test_passwd_replaces_the_password(data_dir: Path) -> None:
    add("h@shop.example")
    new = "another long password"
    result = runner.invoke(app, ["staff", "passwd", "h@shop.example"], input=f"{new}\n{new}\n")
    assert result.exit_code == 0, result.output
    stored = members(data_dir)["h@shop.example"].password_hash
    assert verify_password(stored, new).ok
    assert not verify_password(stored, PASSWORD).ok


def test_unreachable_database_exits_two(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv(
        "KEFU_DATABASE_URL", "postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=1"
    )
    result = runner.invoke(app, ["staff", "list"])
    assert result.exit_code == 2
    assert "error:" in result.stderr
