"""`kefu forget`: a customer's rows go from every table, other customers' stay."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import (
    Column,
    Engine,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    func,
    insert,
    select,
)
from typer.testing import CliRunner

from bot.cli import app
from bot.db_tables import full_metadata
from bot.forget import AmbiguousCustomer, UnknownCustomer, forget_customer
from bot.web.sql_store import WebConversation, WebEvent, WebFeedback
from catalog.models import Customer, Order, OrderItem
from dialogue.message_search import TURN_SEARCH, search_conversations
from dialogue.transcript_tables import Conversation, Turn
from dialogue.transcripts import SqlTranscriptStore, TurnRecord
from tests.support.databases import engine_for

AT = datetime(2026, 3, 2, 10, tzinfo=UTC)


# Tables another package might add later: found by their columns, not by name. They
# live on a copy of the project's metadata, so no other test ever sees them.
def _metadata_with_later_tables() -> tuple[MetaData, Table, Table, Table]:
    later = MetaData()
    for table in full_metadata().sorted_tables:
        table.to_metadata(later)
    note = Table(
        "test_forget_staff_note",
        later,
        Column("id", Integer, primary_key=True),
        Column("conversation_id", String(64), nullable=False),
        Column("note", Text, nullable=False, default=""),
    )
    tag = Table(
        "test_forget_customer_tag",
        later,
        Column("id", Integer, primary_key=True),
        Column("customer_id", Integer, ForeignKey("customer.id"), nullable=False),
        Column("tag", String(40), nullable=False),
    )
    audit = Table(
        "test_forget_audit_log",
        later,
        Column("id", Integer, primary_key=True),
        Column("action", String(40), nullable=False),
        Column("conversation_id", String(64)),
        Column("detail", Text, nullable=False, default=""),
    )
    return later, note, tag, audit


LATER, NOTE, TAG, AUDIT = _metadata_with_later_tables()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    for ready in engine_for(request.param, tmp_path):
        LATER.create_all(ready, tables=[NOTE, TAG, AUDIT])
        yield ready


def build_shop(engine: Engine, *, later_tables: bool = True) -> None:
    """Li (1, Telegram 4242) with web, Telegram and widget conversations; Wang (2) beside."""
    with engine.begin() as conn:
        conn.execute(
            insert(Customer.__table__),  # type: ignore[attr-defined]
            [
                {"id": 1, "email": "li@example.com", "telegram_id": 4242, "name": "Li"},
                {"id": 2, "email": "wang@example.com", "telegram_id": None, "name": "Wang"},
            ],
        )
        for order_id, owner in (("A-1001", 1), ("A-1002", 1), ("A-2001", 2)):
            conn.execute(
                insert(Order.__table__),  # type: ignore[attr-defined]
                {"order_id": order_id, "customer_id": owner, "total": 99.0, "tracking": {}},
            )
            conn.execute(
                insert(OrderItem.__table__),  # type: ignore[attr-defined]
                [{"order_id": order_id, "sku": "EA-1001"}, {"order_id": order_id, "sku": "X-1"}],
            )
    store = SqlTranscriptStore(engine)
    turns: list[tuple[str, str, int | None]] = [
        ("web-li", "my parcel A-1001 is late", 1),
        ("web-li", "退款什么时候到账", 1),
        ("tg:4242", "where is my parcel", None),  # a Telegram chat, no customer on it
        ("tg:4242:1", "another parcel question", None),  # the chat's next conversation
        ("widget-li", "parcel to 12 Oak St", None),  # linked through the web gateway only
        ("web-wang", "my parcel is late too", 2),
        ("tg:42420", "parcel question from someone else", None),
    ]
    for n, (conversation, text, customer) in enumerate(turns):
        record = TurnRecord(f"t{n}", conversation, f"m{n}", "user", text, customer_id=customer)
        store.write([record])
    with engine.begin() as conn:
        conn.execute(
            insert(WebConversation.__table__),  # type: ignore[attr-defined]
            [
                {"id": "widget-li", "shop": "demo", "customer_id": 1, "last_seq": 1},
                {"id": "web-wang", "shop": "demo", "customer_id": 2, "last_seq": 1},
            ],
        )
        conn.execute(
            insert(WebEvent.__table__),  # type: ignore[attr-defined]
            [
                {"conversation_id": "widget-li", "seq": 1, "kind": "user", "body": "{}"},
                {"conversation_id": "web-wang", "seq": 1, "kind": "user", "body": "{}"},
            ],
        )
        conn.execute(
            insert(WebFeedback.__table__),  # type: ignore[attr-defined]
            {"conversation_id": "widget-li", "turn_key": "*", "csat": 5, "comment": "thanks"},
        )
        if not later_tables:
            return
        conn.execute(
            insert(NOTE),
            [
                {"conversation_id": "web-li", "note": "VIP, lives at 12 Oak St"},
                {"conversation_id": "web-wang", "note": "asked twice"},
            ],
        )
        conn.execute(
            insert(TAG),
            [{"customer_id": 1, "tag": "vip"}, {"customer_id": 2, "tag": "new"}],
        )
        conn.execute(
            insert(AUDIT),
            [
                {"action": "view", "conversation_id": "web-li", "detail": "read Li's address"},
                {"action": "view", "conversation_id": "web-wang", "detail": "read Wang's"},
            ],
        )


def count(engine: Engine, table: Table) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def counts(engine: Engine) -> dict[str, int]:
    models = [
        Customer,
        Order,
        OrderItem,
        Conversation,
        Turn,
        WebConversation,
        WebEvent,
        WebFeedback,
    ]
    tables: list[Table] = [m.__table__ for m in models] + [NOTE, TAG, AUDIT]  # type: ignore[attr-defined]
    found = {t.name: count(engine, t) for t in tables}
    with engine.connect() as conn:
        found["turn_search"] = int(
            conn.execute(select(func.count()).select_from(TURN_SEARCH)).scalar_one()
        )
    return found


def test_forget_removes_every_row_of_the_customer(engine: Engine) -> None:
    build_shop(engine)
    before = counts(engine)
    report = forget_customer(engine, "li@example.com", metadata=LATER)

    assert report.customer.id == 1
    assert report.conversations == ("tg:4242", "tg:4242:1", "web-li", "widget-li")
    removed = {c.table: c.rows for c in report.removed}
    assert removed == {
        "turn_search": 5,
        "turn": 5,
        "conversation": 4,
        "web_event": 1,
        "web_feedback": 1,
        "web_conversation": 1,
        "orderitem": 4,
        "order": 2,
        "test_forget_customer_tag": 1,
        "test_forget_staff_note": 1,
        "customer": 1,
    } | {name: 0 for name in removed if name not in _EXPECTED_NONZERO}
    blanked = {c.table: c.rows for c in report.blanked if c.rows}
    assert blanked == {"test_forget_audit_log": 1}  # other audit tables may exist, untouched

    after = counts(engine)
    for table, rows in removed.items():
        if table in after:
            assert after[table] == before[table] - rows, table
    assert after["test_forget_audit_log"] == before["test_forget_audit_log"]  # kept
    with engine.connect() as conn:
        audit = AUDIT
        details: dict[str, str] = {
            row.conversation_id: row.detail
            for row in conn.execute(select(audit.c.conversation_id, audit.c.detail))
        }
        customers = conn.execute(select(Customer.__table__.c.email)).scalars().all()  # type: ignore[attr-defined]
        conversations = conn.execute(select(Conversation.__table__.c.id)).scalars().all()  # type: ignore[attr-defined]
    assert details == {"web-li": "", "web-wang": "read Wang's"}
    assert customers == ["wang@example.com"]
    assert sorted(conversations) == ["tg:42420", "web-wang"]
    assert search_conversations(engine, "parcel", limit=10) == ["tg:42420", "web-wang"]
    assert search_conversations(engine, "退款", limit=10) == []


_EXPECTED_NONZERO = {
    "turn_search", "turn", "conversation", "web_event", "web_feedback", "web_conversation",
    "orderitem", "order", "test_forget_customer_tag", "test_forget_staff_note", "customer",
}  # fmt: skip


def test_a_dry_run_counts_the_same_and_changes_nothing(engine: Engine) -> None:
    build_shop(engine)
    before = counts(engine)
    dry = forget_customer(engine, "1", dry_run=True, metadata=LATER)
    assert counts(engine) == before
    real = forget_customer(engine, "1", metadata=LATER)
    assert dry.conversations == real.conversations
    assert {c.table: c.rows for c in dry.removed} == {c.table: c.rows for c in real.removed}
    assert dry.blanked == real.blanked
    assert dry.lines()[1].strip().startswith("would remove")


def test_customers_are_found_by_id_email_or_telegram_id(engine: Engine) -> None:
    build_shop(engine)
    assert forget_customer(engine, "4242", dry_run=True, metadata=LATER).customer.id == 1
    by_email = forget_customer(engine, " LI@example.com ", dry_run=True, metadata=LATER)
    assert by_email.customer.id == 1
    assert forget_customer(engine, "2", by="id", dry_run=True, metadata=LATER).customer.id == 2
    with pytest.raises(UnknownCustomer):
        forget_customer(engine, "4242", by="id", metadata=LATER)
    with pytest.raises(UnknownCustomer):
        forget_customer(engine, "nobody@example.com", metadata=LATER)
    with pytest.raises(UnknownCustomer):
        forget_customer(engine, "li", by="telegram", metadata=LATER)
    with engine.begin() as conn:  # customer 2's Telegram id is customer 1's id
        customers = Customer.__table__  # type: ignore[attr-defined]
        conn.execute(customers.update().where(customers.c.id == 2).values(telegram_id=1))
    with pytest.raises(AmbiguousCustomer):
        forget_customer(engine, "1", metadata=LATER)
    by_telegram = forget_customer(engine, "1", by="telegram", dry_run=True, metadata=LATER)
    assert by_telegram.customer.id == 2


def test_kefu_forget_command(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The command on the configured database (SQLite here; the logic ran on both above)."""
    engine = next(engine_for("sqlite", tmp_path))
    build_shop(engine, later_tables=False)
    monkeypatch.setenv("KEFU_DATABASE_URL", engine.url.render_as_string(hide_password=False))
    runner = CliRunner()

    unknown = runner.invoke(app, ["forget", "nobody@example.com"])
    assert unknown.exit_code == 2
    assert "no customer" in unknown.output

    dry = runner.invoke(app, ["forget", "li@example.com", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "would remove       5 turn\n" in dry.output
    assert "nothing was changed" in dry.output
    assert count(engine, Customer.__table__) == 2  # type: ignore[attr-defined]

    done = runner.invoke(app, ["forget", "li@example.com"])
    assert done.exit_code == 0, done.output
    assert "removed       2 order\n" in done.output
    assert count(engine, Customer.__table__) == 1  # type: ignore[attr-defined]
