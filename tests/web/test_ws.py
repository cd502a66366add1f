"""The WebSocket protocol: streaming, replay on resume, dedup of resent messages, limits."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from starlette.testclient import TestClient, WebSocketTestSession
from starlette.websockets import WebSocketDisconnect

from tests.web.conftest import SHOP_ORIGIN
from tests.web.scripted import ScriptedDialogueManager

Frame = dict[str, Any]


def connect(client: TestClient, origin: str = SHOP_ORIGIN) -> Any:
    return client.websocket_connect("/ws", headers={"origin": origin})


def hello(ws: WebSocketTestSession, conversation_id: str | None = None, last_seq: int = 0) -> Frame:
    ws.send_json(
        {"type": "hello", "conversation_id": conversation_id, "last_seq": last_seq, "shop": "demo"}
    )
    ready = ws.receive_json()
    assert ready["type"] == "ready", ready
    return dict(ready)


def until(ws: WebSocketTestSession, done: Callable[[Frame], bool], limit: int = 50) -> list[Frame]:
    frames: list[Frame] = []
    for _ in range(limit):
        frame = ws.receive_json()
        frames.append(frame)
        if done(frame):
            return frames
    raise AssertionError(f"no final frame in {frames}")


def is_answer(frame: Frame) -> bool:
    return frame["type"] == "answer"


def test_streams_typing_sentences_cards_then_answer(client: TestClient) -> None:
    with connect(client) as ws:
        ready = hello(ws)
        assert not ready["resumed"] and ready["last_seq"] == 0
        ws.send_json({"type": "message", "id": "m1", "text": "price?", "page_sku": "EA-1001"})
        frames = until(ws, is_answer)
    kinds = [f["type"] for f in frames]
    assert kinds[0] == "user" and frames[0]["seq"] == 1 and frames[0]["id"] == "m1"
    assert kinds[1] == "typing" and frames[1]["reply_to"] == "m1"
    sentences = [f for f in frames if f["type"] == "sentence"]
    assert [s["index"] for s in sentences] == [0, 1]
    assert sentences[0]["citations"][0]["ref"] == "EA-1001#price"
    assert kinds.index("cards") > kinds.index("sentence")
    answer = frames[-1]
    assert answer["seq"] == 2 and answer["reply_to"] == "m1"
    assert [s["text"] for s in answer["sentences"]] == [s["text"] for s in sentences]


def test_resume_replays_only_what_was_missed(client: TestClient) -> None:
    with connect(client) as ws:
        cid = hello(ws)["conversation_id"]
        ws.send_json({"type": "message", "id": "a", "text": "first"})
        until(ws, is_answer)
        ws.send_json({"type": "message", "id": "b", "text": "second"})
        until(ws, is_answer)
    with connect(client) as ws:
        ready = hello(ws, cid, last_seq=2)
        assert ready["resumed"] and ready["last_seq"] == 4
        replay = [ws.receive_json(), ws.receive_json()]
        assert [(f["type"], f["seq"]) for f in replay] == [("user", 3), ("answer", 4)]
        ws.send_json({"type": "ping"})
        assert ws.receive_json() == {"type": "pong"}  # nothing else was queued


def test_unknown_conversation_starts_a_new_one(client: TestClient) -> None:
    with connect(client) as ws:
        ready = hello(ws, "a" * 32, last_seq=7)
        assert not ready["resumed"] and ready["conversation_id"] != "a" * 32
        ws.send_json({"type": "ping"})
        assert ws.receive_json()["type"] == "pong"


def test_drop_mid_answer_then_resend_gets_exactly_one_answer(
    make_client: Callable[..., TestClient], manager: ScriptedDialogueManager
) -> None:
    manager.delay = 0.15
    client = make_client()
    with connect(client) as ws:
        cid = hello(ws)["conversation_id"]
        ws.send_json({"type": "message", "id": "q1", "text": "tell me", "page_sku": "KT-2001"})
        seen = until(ws, lambda f: f["type"] == "sentence")
        last_seq = max(f.get("seq", 0) for f in seen)
    # The socket is gone mid-answer; the client resends what it had not seen answered.
    with connect(client) as ws:
        hello(ws, cid, last_seq=last_seq)
        ws.send_json({"type": "message", "id": "q1", "text": "tell me", "page_sku": "KT-2001"})
        frames = until(ws, is_answer)
        ws.send_json({"type": "ping"})
        trailing = until(ws, lambda f: f["type"] == "pong")
    answers = [f for f in frames + trailing if f["type"] == "answer"]
    assert len(answers) == 1 and answers[0]["reply_to"] == "q1"
    assert len(manager.calls) == 1  # answered once
    user_frames = [f for f in frames if f["type"] == "user"]
    assert {f["seq"] for f in user_frames} == {1}  # re-acknowledged, never re-logged
    # the catch-up carried the partial answer: sentence 0 (again) before the answer
    assert any(f["type"] == "sentence" and f["index"] == 0 for f in frames)
    history = client.get(f"/api/conversations/{cid}/events").json()["events"]
    assert [(e["type"], e["seq"]) for e in history] == [("user", 1), ("answer", 2)]


def test_answer_finishes_while_nobody_is_connected(
    make_client: Callable[..., TestClient], manager: ScriptedDialogueManager
) -> None:
    manager.delay = 0.05
    client = make_client()
    with connect(client) as ws:
        cid = hello(ws)["conversation_id"]
        ws.send_json({"type": "message", "id": "gone", "text": "hi"})
        assert ws.receive_json()["type"] == "user"
    answer = client.post(
        f"/api/conversations/{cid}/messages", json={"id": "gone", "text": "hi"}
    ).json()["answer"]  # waits for the same turn, started by the socket
    with connect(client) as ws:
        hello(ws, cid, last_seq=1)
        replayed = ws.receive_json()
    assert replayed == answer and len(manager.calls) == 1


def test_two_sockets_on_one_conversation_both_see_the_answer(client: TestClient) -> None:
    with connect(client) as one:
        cid = hello(one)["conversation_id"]
        with connect(client) as two:
            hello(two, cid)
            one.send_json({"type": "message", "id": "x", "text": "hi"})
            a = until(one, is_answer)[-1]
            b = until(two, is_answer)[-1]
    assert a == b


def test_staff_messages_are_pushed(client: TestClient) -> None:
    gateway = client.app.state.gateway  # type: ignore[attr-defined]
    with connect(client) as ws:
        cid = hello(ws)["conversation_id"]
        assert client.portal is not None
        client.portal.call(gateway.post_staff, cid, "Hi, I am Mei from the shop.", "Mei")
        frame = ws.receive_json()
    assert frame["type"] == "staff" and frame["author"] == "Mei" and frame["seq"] == 1


def test_bad_frames_get_errors_and_the_socket_stays(client: TestClient) -> None:
    with connect(client) as ws:
        hello(ws)
        ws.send_text("not json")
        assert ws.receive_json()["code"] == "bad_request"
        ws.send_json({"type": "message", "id": "bad id!", "text": "x"})
        assert ws.receive_json()["code"] == "bad_request"
        ws.send_json({"type": "hello"})
        assert ws.receive_json()["code"] == "bad_request"
        ws.send_json({"type": "message", "id": "big", "text": "x" * 100_000})
        err = ws.receive_json()
        assert err["code"] == "too_long" and err["reply_to"] == "big" and "4000" in err["message"]
        ws.send_text("x" * 300_000)
        assert ws.receive_json()["code"] == "too_large"
        ws.send_json({"type": "message", "id": "html", "text": "<b>bold</b><script>x()</script>"})
        frames = until(ws, is_answer)
        assert frames[0]["text"] == "<b>bold</b><script>x()</script>"


def test_first_frame_must_be_hello(client: TestClient) -> None:
    with connect(client) as ws:
        ws.send_json({"type": "message", "id": "m", "text": "hi"})
        assert ws.receive_json()["code"] == "bad_request"
        with pytest.raises(WebSocketDisconnect) as closed:
            ws.receive_json()
    assert closed.value.code == 4400


def test_foreign_origin_is_refused(client: TestClient) -> None:
    with pytest.raises(WebSocketDisconnect), connect(client, "https://evil.example") as ws:
        ws.receive_json()
    with connect(client, "http://testserver") as ws:  # same origin: the demo shop
        hello(ws)


def test_rate_limited_messages_say_when_to_retry(make_client: Callable[..., TestClient]) -> None:
    client = make_client(session_burst=1, session_per_minute=2)
    with connect(client) as ws:
        hello(ws)
        ws.send_json({"type": "message", "id": "one", "text": "hi"})
        until(ws, is_answer)
        ws.send_json({"type": "message", "id": "two", "text": "again"})
        err = ws.receive_json()
    assert err["type"] == "error" and err["code"] == "rate_limited" and err["reply_to"] == "two"
    assert 1 <= err["retry_after"] <= 31


def test_ip_limit_on_connect_closes_with_a_reason(make_client: Callable[..., TestClient]) -> None:
    client = make_client(ip_burst=1, ip_per_minute=1)
    with connect(client) as ws:
        hello(ws)
    with connect(client) as ws:
        err = ws.receive_json()
        assert err["code"] == "rate_limited"
        with pytest.raises(WebSocketDisconnect) as closed:
            ws.receive_json()
    assert closed.value.code == 4429


def test_context_frame_sets_the_page_product(
    client: TestClient, manager: ScriptedDialogueManager
) -> None:
    with connect(client) as ws:
        hello(ws)
        ws.send_json({"type": "context", "page_sku": "EA-1005", "locale": "zh"})
        ws.send_json({"type": "message", "id": "c", "text": "这个有货吗"})
        until(ws, is_answer)
    assert manager.calls[-1].page_sku == "EA-1005" and manager.calls[-1].locale == "zh"


def test_frames_are_json_objects_with_a_type(client: TestClient) -> None:
    with connect(client) as ws:
        hello(ws)
        ws.send_json({"type": "message", "id": "t", "text": "hi"})
        raw = [ws.receive_text() for _ in range(3)]
    assert all("type" in json.loads(r) for r in raw)


def test_batching_clients_get_the_same_frames_in_arrays(client: TestClient) -> None:
    with connect(client) as ws:
        ws.send_json({"type": "hello", "shop": "demo", "batch": True})
        frames: list[Frame] = []
        arrays = 0
        while not frames or frames[-1]["type"] != "answer":
            data = ws.receive_json()
            arrays += isinstance(data, list)
            frames.extend(data if isinstance(data, list) else [data])
            if frames[0]["type"] == "ready" and len(frames) == 1:
                ws.send_json({"type": "message", "id": "b1", "text": "price?"})
    kinds = [f["type"] for f in frames]
    assert kinds == ["ready", "user", "typing", "sentence", "sentence", "cards", "answer"]
    assert arrays >= 1  # an instant answer arrives in one send


async def test_a_socket_that_stops_reading_is_dropped(
    make_settings: Callable[..., Any],
) -> None:
    import asyncio

    from bot.web.ws import Connection

    class StuckSocket:
        async def send_text(self, text: str) -> None:
            await asyncio.Event().wait()  # the client never reads

    ctx = type("Ctx", (), {"settings": make_settings(socket_queue=8)})()
    conn = Connection(StuckSocket(), ctx)  # type: ignore[arg-type]

    async def read_forever() -> None:
        await asyncio.Event().wait()

    reader = asyncio.create_task(read_forever())
    conn.reader_task = reader
    conn.writer_task = asyncio.create_task(conn.writer())
    for i in range(20):
        conn.deliver(f'{{"type": "pong", "n": {i}}}')
        await asyncio.sleep(0)
    assert conn.overflowed and conn.stopped
    await asyncio.sleep(0)
    assert reader.cancelled() and conn.writer_task.cancelled()
