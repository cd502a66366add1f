"""Widget and Telegram feedback reach the transcript; widget card clicks are recorded once."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select
from sqlmodel import Session
from starlette.testclient import TestClient

from analytics.events import CARD_CLICK
from bot.web import WebSettings, create_app
from bot.web.products import InMemoryProductLookup
from bot.web.ratelimit import MemoryRateLimiter
from bot.web.signals import SqlShopperSignals
from bot.web.store import InMemoryConversationStore
from dialogue.transcript_feedback import TranscriptFeedback, copy_feedback
from dialogue.transcript_tables import Conversation, Turn
from dialogue.transcripts import SqlTranscriptStore, TurnRecord
from dialogue.types import Feedback
from tests.support.databases import engine_for
from tests.web.scripted import ScriptedDialogueManager

FAST_RETRIES = (0.05,) * 60  # three seconds of tries, quickly


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    yield from engine_for(request.param, tmp_path)


@pytest.fixture
def app_client(
    db: Engine,
    manager: ScriptedDialogueManager,
    store: InMemoryConversationStore,
    products: InMemoryProductLookup,
    make_settings: Callable[..., WebSettings],
) -> Iterator[TestClient]:
    signals = SqlShopperSignals(db, TranscriptFeedback(db, retry_delays=FAST_RETRIES))
    app = create_app(
        manager,
        store,
        products,
        make_settings(),
        rate_limiter=MemoryRateLimiter(),
        signals=signals,
    )
    with TestClient(app) as client:
        yield client


def ask(client: TestClient, text: str = "how much is it?") -> tuple[str, dict[str, Any]]:
    cid = client.post("/api/conversations", json={"shop": "demo"}).json()["conversation_id"]
    r = client.post(f"/api/conversations/{cid}/messages", json={"id": "m1", "text": text})
    assert r.status_code == 200, r.text
    return str(cid), dict(r.json()["answer"])


def log_turns(db: Engine, cid: str, answer: dict[str, Any]) -> None:
    """What the dialogue manager logs for one exchange (the question, then the answer)."""
    SqlTranscriptStore(db).write(
        [
            TurnRecord(f"{cid}:m1:in", cid, "m1", "user", "how much is it?"),
            TurnRecord(
                answer["turn_id"],
                cid,
                "m1:answer",
                "assistant",
                answer["text"],
                cards=[{"sku": c["sku"], "price": c["price"]} for c in answer["cards"]],
            ),
        ]
    )


def until(condition: Callable[[], bool], timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.02)


def thumbs_of(db: Engine, turn_id: str) -> str | None:
    with Session(db) as session:
        turn = session.get(Turn, turn_id)
        return turn.thumbs if turn else None


def csat_of(db: Engine, cid: str) -> int | None:
    with Session(db) as session:
        conversation = session.get(Conversation, cid)
        return conversation.csat if conversation else None


def test_widget_thumbs_and_csat_reach_the_transcript(app_client: TestClient, db: Engine) -> None:
    cid, answer = ask(app_client)
    log_turns(db, cid, answer)
    url = f"/api/conversations/{cid}/feedback"
    assert (
        app_client.post(url, json={"turn_id": answer["turn_id"], "thumbs": "down"}).status_code
        == 204
    )
    until(lambda: thumbs_of(db, answer["turn_id"]) == "down")
    assert (
        app_client.post(url, json={"turn_id": answer["turn_id"], "thumbs": "up"}).status_code == 204
    )
    until(lambda: thumbs_of(db, answer["turn_id"]) == "up")
    assert app_client.post(url, json={"csat": 4}).status_code == 204
    until(lambda: csat_of(db, cid) == 4)
    # the shopper's own turn never takes a thumb
    with Session(db) as session:
        assert session.get(Turn, f"{cid}:m1:in").thumbs is None  # type: ignore[union-attr]


def test_feedback_before_the_turn_is_logged_lands_later(app_client: TestClient, db: Engine) -> None:
    cid, answer = ask(app_client)
    url = f"/api/conversations/{cid}/feedback"
    # the transcript writer has not written the exchange yet: the request still succeeds
    assert (
        app_client.post(url, json={"turn_id": answer["turn_id"], "thumbs": "down"}).status_code
        == 204
    )
    assert app_client.post(url, json={"csat": 2}).status_code == 204
    assert thumbs_of(db, answer["turn_id"]) is None
    time.sleep(0.2)
    log_turns(db, cid, answer)
    until(lambda: thumbs_of(db, answer["turn_id"]) == "down")
    until(lambda: csat_of(db, cid) == 2)


def test_card_click_is_recorded_once(app_client: TestClient, db: Engine) -> None:
    cid, answer = ask(app_client)
    log_turns(db, cid, answer)
    sku = answer["cards"][1]["sku"]
    url = f"/api/conversations/{cid}/card-clicks"
    for _ in range(3):  # a double click and a retried request count once
        assert (
            app_client.post(url, json={"turn_id": answer["turn_id"], "sku": sku}).status_code == 204
        )
    with db.connect() as connection:
        rows = connection.execute(select(CARD_CLICK)).all()
    assert [(r.conversation_id, r.turn_id, r.sku) for r in rows] == [(cid, answer["turn_id"], sku)]
    # a card the answer never showed, an unknown answer, a malformed body
    shown = {c["sku"] for c in answer["cards"]}
    other = next(s for s in ("EA-1001", "EA-1005", "KT-2001", "ZZ-0") if s not in shown)
    r = app_client.post(url, json={"turn_id": answer["turn_id"], "sku": other})
    assert r.status_code == 404 and r.json()["error"]["code"] == "not_found"
    assert app_client.post(url, json={"turn_id": "nope", "sku": sku}).status_code == 404
    assert app_client.post(url, json={"turn_id": answer["turn_id"]}).status_code == 422
    with db.connect() as connection:
        assert len(connection.execute(select(CARD_CLICK)).all()) == 1


def test_click_before_the_turn_is_logged_is_kept(app_client: TestClient, db: Engine) -> None:
    cid, answer = ask(app_client)
    sku = answer["cards"][0]["sku"]
    r = app_client.post(
        f"/api/conversations/{cid}/card-clicks", json={"turn_id": answer["turn_id"], "sku": sku}
    )
    assert r.status_code == 204
    with db.connect() as connection:
        assert len(connection.execute(select(CARD_CLICK)).all()) == 1


async def test_telegram_feedback_sink_writes_the_transcript(db: Engine) -> None:
    # Telegram conversations are named by chat and epoch; its buttons hand over a Feedback
    cid = "tg-4242-0"
    SqlTranscriptStore(db).write(
        [
            TurnRecord(f"{cid}:7:in", cid, "7", "user", "退货政策?", channel="telegram"),
            TurnRecord(
                f"{cid}:7", cid, "7:answer", "assistant", "七天无理由退货。", channel="telegram"
            ),
        ]
    )
    sink = TranscriptFeedback(db, retry_delays=FAST_RETRIES)
    extra = {"channel": "telegram"}
    await sink(Feedback(cid, turn_id=f"{cid}:7", thumbs="up", extra=extra))
    await sink(Feedback(cid, csat=5, extra=extra))
    assert sink.pending == 0
    assert thumbs_of(db, f"{cid}:7") == "up" and csat_of(db, cid) == 5
    # a thumb naming another conversation's turn is not trusted
    await sink(Feedback("tg-1-0", turn_id=f"{cid}:7", thumbs="down", extra=extra))
    await asyncio.sleep(0)
    assert thumbs_of(db, f"{cid}:7") == "up"
    await sink.aclose()


def test_copy_refuses_an_impossible_rating(db: Engine) -> None:
    with pytest.raises(ValueError, match="CSAT"):
        copy_feedback(db, Feedback("c-1", csat=9))
    copied = copy_feedback(db, Feedback("c-unknown", csat=3))
    assert not copied.complete and copied.wanted_csat
