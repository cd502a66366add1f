"""The HTTP JSON API through the real app, with the scripted dialogue manager."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from starlette.testclient import TestClient

from bot.web.identity import sign_identity
from bot.web.store import InMemoryConversationStore
from tests.web.conftest import SHOP_ORIGIN
from tests.web.scripted import ScriptedDialogueManager


def start(client: TestClient, **body: object) -> str:
    r = client.post("/api/conversations", json={"shop": "demo", **body})
    assert r.status_code in (200, 201), r.text
    return str(r.json()["conversation_id"])


def send(client: TestClient, cid: str, mid: str, text: str, **extra: object) -> dict[str, Any]:
    r = client.post(f"/api/conversations/{cid}/messages", json={"id": mid, "text": text, **extra})
    assert r.status_code == 200, r.text
    return dict(r.json())


def test_health_and_readiness(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok", "reason": ""}
    assert client.get("/readyz").status_code == 200


def test_readyz_reports_a_manager_that_is_not_loaded(
    make_client: Callable[..., TestClient],
    manager: ScriptedDialogueManager,
    store: InMemoryConversationStore,
    products: object,
    make_settings: Callable[..., object],
) -> None:
    from bot.web import create_app

    async def not_ready() -> bool:
        return False

    app = create_app(manager, store, products, make_settings(), ready=not_ready)  # type: ignore[arg-type]
    r = make_client(app).get("/readyz")
    assert r.status_code == 503
    assert "not ready" in r.json()["reason"]


def test_start_resume_and_unknown(client: TestClient) -> None:
    r = client.post("/api/conversations", json={"shop": "demo", "locale": "en"})
    assert r.status_code == 201
    body = r.json()
    assert body["created"] and body["last_seq"] == 0 and body["max_message_chars"] == 4000
    again = client.post("/api/conversations", json={"conversation_id": body["conversation_id"]})
    assert again.status_code == 200 and again.json()["conversation_id"] == body["conversation_id"]
    fresh = client.post("/api/conversations", json={"conversation_id": "0" * 32})
    assert fresh.status_code == 201 and fresh.json()["conversation_id"] != "0" * 32
    assert client.get("/api/conversations/" + "f" * 32).status_code == 404
    bad = client.get("/api/conversations/no")
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "bad_request"


def test_message_gets_a_cited_answer_with_cards(
    client: TestClient, manager: ScriptedDialogueManager
) -> None:
    cid = start(client)
    out = send(client, cid, "m-1", "How much is it?", page_sku="EA-1001", locale="en")
    assert out["message"] == {**out["message"], "type": "user", "seq": 1, "id": "m-1"}
    answer = out["answer"]
    assert answer["type"] == "answer" and answer["seq"] == 2 and answer["reply_to"] == "m-1"
    assert answer["text"].startswith("The Sonvale Aria")
    assert [s["citations"][0]["ref"] for s in answer["sentences"]] == [
        "EA-1001#price",
        "EA-1001#stock",
    ]
    # Cards are completed from the product lookup: page link and picture.
    first = answer["cards"][0]
    assert first["sku"] == "EA-1001" and first["url"] == "/p/EA-1001"
    assert first["image_url"] == "/static/products/EA-1001.svg" and first["in_stock"] is True
    assert manager.calls[0].page_sku == "EA-1001" and manager.calls[0].channel == "web"
    history = client.get(f"/api/conversations/{cid}/events").json()
    assert [e["type"] for e in history["events"]] == ["user", "answer"]
    assert history["last_seq"] == 2 and not history["has_more"]
    page = client.get(f"/api/conversations/{cid}/events", params={"after_seq": 1}).json()
    assert [e["seq"] for e in page["events"]] == [2]


def test_resending_a_message_id_answers_once(
    client: TestClient, manager: ScriptedDialogueManager
) -> None:
    cid = start(client)
    first = send(client, cid, "same", "Is it in stock?")
    second = send(client, cid, "same", "Is it in stock?")
    assert first == second
    assert len(manager.calls) == 1
    events = client.get(f"/api/conversations/{cid}/events").json()["events"]
    assert len(events) == 2


def test_chinese_message_gets_a_chinese_answer(client: TestClient) -> None:
    cid = start(client)
    answer = send(client, cid, "zh-1", "这款耳机多少钱？", page_sku="EA-1001")["answer"]
    assert answer["lang"] == "zh" and "售价 899 元" in answer["text"]


def test_size_limits_give_clear_errors(client: TestClient) -> None:
    cid = start(client)
    url = f"/api/conversations/{cid}/messages"
    r = client.post(url, json={"id": "long", "text": "x" * 4001})
    assert r.status_code == 413 and r.json()["error"]["code"] == "too_long"
    assert "4000" in r.json()["error"]["message"]
    r = client.post(url, json={"id": "big", "text": "好" * 100_000})
    assert r.status_code == 413 and r.json()["error"]["code"] in ("too_long", "too_large")
    r = client.post(url, json={"id": "huge", "text": "x" * 400_000})
    assert r.status_code == 413 and r.json()["error"]["code"] == "too_large"
    r = client.post(url, json={"id": "empty", "text": "   "})
    assert r.status_code == 422
    assert client.get(f"/api/conversations/{cid}/events").json()["events"] == []


def test_session_rate_limit_is_friendly(make_client: Callable[..., TestClient]) -> None:
    client = make_client(session_burst=2, session_per_minute=6)
    cid = start(client)
    send(client, cid, "a", "one")
    send(client, cid, "b", "two")
    r = client.post(f"/api/conversations/{cid}/messages", json={"id": "c", "text": "three"})
    assert r.status_code == 429
    assert r.json()["error"]["code"] == "rate_limited"
    assert "too quickly" in r.json()["error"]["message"]
    assert 1 <= int(r.headers["retry-after"]) <= 10
    # another conversation from the same IP still has its own bucket
    other = start(client)
    send(client, other, "d", "hello")


def test_ip_rate_limit(make_client: Callable[..., TestClient]) -> None:
    client = make_client(ip_burst=3, ip_per_minute=1)
    cid = start(client)  # 1 token
    send(client, cid, "a", "one")  # 2
    send(client, cid, "b", "two")  # 3
    r = client.post("/api/conversations", json={})
    assert r.status_code == 429 and r.json()["error"]["code"] == "rate_limited"


def test_origins_and_cors(client: TestClient) -> None:
    r = client.post("/api/conversations", json={}, headers={"Origin": "https://evil.example"})
    assert r.status_code == 403 and r.json()["error"]["code"] == "origin_not_allowed"
    r = client.post("/api/conversations", json={}, headers={"Origin": SHOP_ORIGIN})
    assert r.status_code == 201
    assert r.headers["access-control-allow-origin"] == SHOP_ORIGIN
    pre = client.options(
        "/api/conversations",
        headers={
            "Origin": SHOP_ORIGIN,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
    )
    assert pre.status_code == 200
    same = client.post("/api/conversations", json={}, headers={"Origin": "http://testserver"})
    assert same.status_code == 201


def test_no_origin_can_be_refused(make_client: Callable[..., TestClient]) -> None:
    client = make_client(allow_no_origin=False)
    assert client.post("/api/conversations", json={}).status_code == 403


def test_markup_is_kept_verbatim(client: TestClient) -> None:
    cid = start(client)
    text = '<img src=x onerror="alert(1)"><script>alert(2)</script>'
    assert send(client, cid, "x", text)["message"]["text"] == text


def test_failing_turn_apologises(client: TestClient, manager: ScriptedDialogueManager) -> None:
    cid = start(client)
    manager.fail_when = "boom"
    answer = send(client, cid, "f", "boom please")["answer"]
    assert answer["intent"] == "error" and answer["text"].startswith("Sorry")
    answer = send(client, cid, "g", "爆炸 boom")["answer"]
    assert answer["text"].startswith("抱歉")


def test_signed_identity_reaches_the_manager(
    client: TestClient, manager: ScriptedDialogueManager
) -> None:
    token = sign_identity("s3cret", 42, int(time.time()) + 600)
    cid = start(client, identity=token)
    send(client, cid, "o", "where is my order?", identity=token)
    assert manager.calls[-1].customer_id == 42
    send(client, cid, "p", "and now?")
    assert manager.calls[-1].customer_id is None  # anonymous without a token
    forged = token[:-1] + ("0" if token[-1] != "0" else "1")
    r = client.post(
        f"/api/conversations/{cid}/messages", json={"id": "q", "text": "x", "identity": forged}
    )
    assert r.status_code == 401 and r.json()["error"]["code"] == "bad_identity"
    expired = sign_identity("s3cret", 42, int(time.time()) - 1)
    r = client.post("/api/conversations", json={"identity": expired})
    assert r.status_code == 401


def test_feedback(client: TestClient, store: InMemoryConversationStore) -> None:
    cid = start(client)
    turn = send(client, cid, "m", "hi")["answer"]["turn_id"]
    url = f"/api/conversations/{cid}/feedback"
    assert client.post(url, json={"turn_id": turn, "thumbs": "down"}).status_code == 204
    assert client.post(url, json={"turn_id": turn, "thumbs": "up"}).status_code == 204
    assert client.post(url, json={"turn_id": "nope", "thumbs": "up"}).status_code == 404
    assert client.post(url, json={"thumbs": "up"}).status_code == 422
    assert client.post(url, json={}).status_code == 422
    assert client.post(url, json={"csat": 6}).status_code == 422
    assert client.post(url, json={"csat": 5, "comment": "great"}).status_code == 204
    import asyncio

    given = asyncio.run(store.feedback(cid))
    assert {(f.turn_id, f.thumbs, f.csat) for f in given} == {(turn, "up", None), (None, None, 5)}


def test_close_then_reopen(client: TestClient) -> None:
    cid = start(client)
    closed = client.post(f"/api/conversations/{cid}/close")
    assert closed.status_code == 200 and closed.json()["type"] == "closed"
    assert client.get(f"/api/conversations/{cid}").json()["status"] == "closed"
    send(client, cid, "again", "one more question")
    assert client.get(f"/api/conversations/{cid}").json()["status"] == "open"


def test_openapi_lists_the_api(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    assert {
        "/api/conversations",
        "/api/conversations/{conversation_id}/messages",
        "/api/conversations/{conversation_id}/events",
        "/api/conversations/{conversation_id}/feedback",
        "/healthz",
        "/readyz",
    } <= set(spec["paths"])
    assert "/p/{sku}" not in spec["paths"]
