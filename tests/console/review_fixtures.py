"""Fixtures for the transcript, review and knowledge-gap tests: a console app, logged-in staff.

The console is mounted on a bare FastAPI app around a fresh database; staff log
in through the real session code, and requests carry the real cookie and CSRF token.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy import Engine, select
from starlette.testclient import TestClient

import bot.console.review_tables  # noqa: F401  (its tables must exist in fresh databases)
from bot.console.app import install_console
from bot.console.auth import COOKIE
from bot.console.context import ConsoleContext
from bot.console.sessions import SessionPolicy, log_in
from bot.console.settings import ConsoleSettings
from bot.console.staff_store import add_staff
from bot.console.staff_tables import AuditEntry
from dialogue.conversations import ConversationRepo
from dialogue.transcripts import SqlTranscriptStore, TurnRecord
from dialogue.verify import FactSet, PassageFact, ProductFact
from dialogue.verify.verifier import verify_sentence
from tests.support.databases import engine_for

PASSWORD = "correct horse battery staple"
POLICY = SessionPolicy(
    idle=timedelta(hours=1), absolute=timedelta(hours=8), lockout_after=5, lockout_seconds=30
)


@dataclass
class Console:
    engine: Engine
    app: FastAPI
    ctx: ConsoleContext
    reindexed: list[str]
    _accounts: Iterator[int] = field(default_factory=itertools.count)

    def client(self, role: str = "agent", name: str = "") -> StaffClient:
        email = f"{role}-{next(self._accounts)}@shop.example"
        add_staff(self.engine, email, PASSWORD, role=role, name=name or role.title())
        result = log_in(self.engine, email, PASSWORD, policy=POLICY, now=datetime.now(UTC))
        assert result.staff is not None and result.token
        client = TestClient(self.app, base_url="http://testserver")
        client.cookies.set(COOKIE, result.token, path="/console")
        return StaffClient(client, result.staff.csrf_token, result.staff.id)

    def audit(self, action: str) -> list[AuditEntry]:
        with self.engine.connect() as connection:
            rows = connection.execute(
                select(AuditEntry.__table__).where(AuditEntry.__table__.c.action == action)  # type: ignore[attr-defined]
            ).all()
        return [AuditEntry(**row._mapping) for row in rows]


@dataclass
class StaffClient:
    http: TestClient
    csrf: str
    staff_id: int

    def get(self, path: str, **kw: Any) -> Any:
        return self.http.get(path, headers={"accept": "text/html"}, follow_redirects=False, **kw)

    def post(self, path: str, data: dict[str, str], *, csrf: bool = True) -> Any:
        body = {**data, "csrf_token": self.csrf} if csrf else data
        return self.http.post(path, data=body, follow_redirects=False)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    yield from engine_for(request.param, tmp_path)


@pytest.fixture
def console(db: Engine, tmp_path: Path) -> Iterator[Console]:
    reindexed: list[str] = []
    ctx = ConsoleContext(
        engine=db,
        settings=ConsoleSettings(),
        conversations=ConversationRepo(db),
        reindex=lambda: reindexed.append("documents"),
    )
    app = FastAPI()
    install_console(app, ctx)
    yield Console(db, app, ctx, reindexed)


SHOP = FactSet.build(
    [
        ProductFact(
            "KF-PB-20K",
            "Kefu Power Bank 20000mAh",
            price=299.0,
            currency="CNY",
            stock=3,
            attributes={"weight_g": 350},
        )
    ],
    [PassageFact("policies/returns.md#Returns", "Items can be returned within 7 days.")],
)


def log_exchange(
    engine: Engine,
    conversation_id: str,
    question: str,
    model_sentences: list[str],
    *,
    n: int = 1,
    channel: str = "web",
    lang: str = "en",
    at: datetime | None = None,
) -> str:
    """A shopper question and the assistant's answer, logged as the dialogue manager does.

    Each model sentence goes through the real verifier against SHOP; the answer's
    text is what it let through. Returns the answer's turn id.
    """
    when = at or datetime.now(UTC)
    verdicts = [
        verify_sentence(s, SHOP, "KF-PB-20K", "zh" if lang == "zh" else "en")
        for s in model_sentences
    ]
    sent = [v.text_to_send for v in verdicts if v.text_to_send]
    answer_id = f"{conversation_id}:m{n}"
    SqlTranscriptStore(engine).write(
        [
            TurnRecord(
                f"{answer_id}:in",
                conversation_id,
                f"m{n}",
                "user",
                question,
                channel=channel,
                lang=lang,
                intent="product_question",
                created_at=when.isoformat(),
            ),
            TurnRecord(
                answer_id,
                conversation_id,
                f"m{n}:answer",
                "assistant",
                " ".join(sent) or "The shop's information doesn't say, so I won't guess.",
                channel=channel,
                lang=lang,
                intent="product_question",
                passages=[
                    {"ref": "KF-PB-20K#title", "text": "Kefu Power Bank 20000mAh", "score": 0.91},
                    {
                        "ref": "policies/returns.md#Returns",
                        "text": SHOP.passages[0].text,
                        "score": 0.5,
                    },
                ],
                claims=[v.to_dict() for v in verdicts],
                citations=sorted({c for v in verdicts if v.text_to_send for c in v.citations}),
                cards=[{"sku": "KF-PB-20K", "price": 299.0}],
                failed_checks=sum(1 for v in verdicts if v.action in ("drop", "repair")),
                model="qwen-test",
                tokens=42,
                latency_ms={
                    "understand": 3.5,
                    "retrieve": 12.0,
                    "first_sentence": 180.0,
                    "total": 420.0,
                },
                created_at=(when + timedelta(seconds=1)).isoformat(),
            ),
        ]
    )
    return answer_id
