"""/healthz, /readyz and /metrics of the web app; JSON logs with the conversation id."""

from __future__ import annotations

import json
import logging

import pytest
from starlette.testclient import TestClient

from bot.logs import ConversationFilter, JsonFormatter, LogSettings, TextFormatter
from dialogue.observers import CONVERSATION_ID
from tests.web.conftest import SHOP_ORIGIN


def test_health_and_metrics(client: TestClient) -> None:
    assert client.get("/healthz").json()["status"] == "ok"
    assert client.get("/readyz").json()["status"] == "ready"
    scraped = client.get("/metrics")
    assert scraped.status_code == 200
    assert scraped.headers["content-type"].startswith("text/plain")
    for name in ("kefu_web_sockets_open", "kefu_queue_depth", "process_cpu_seconds_total"):
        assert name in scraped.text


def _gauge(text: str, line_start: str) -> float:
    (line,) = [line for line in text.splitlines() if line.startswith(line_start)]
    return float(line.rsplit(" ", 1)[1])


def test_open_sockets_are_gauged(client: TestClient) -> None:
    conversation = client.post("/api/conversations", json={"shop": "demo"}).json()
    assert _gauge(client.get("/metrics").text, "kefu_web_sockets_open ") == 0
    with client.websocket_connect("/ws", headers={"origin": SHOP_ORIGIN}) as ws:
        ws.send_json({"type": "hello", "conversation_id": conversation["conversation_id"]})
        assert ws.receive_json()["type"] == "ready"
        assert _gauge(client.get("/metrics").text, "kefu_web_sockets_open ") == 1
        queue = _gauge(client.get("/metrics").text, 'kefu_queue_depth{queue="turns_in_flight"}')
        assert queue == 0


def test_readyz_refuses_while_shutting_down(client: TestClient) -> None:
    client.app.state.gateway.draining = True  # type: ignore[attr-defined]
    answer = client.get("/readyz")
    assert answer.status_code == 503
    assert answer.json() == {"status": "unavailable", "reason": "shutting down"}


def _record(message: str, exc: bool = False) -> logging.LogRecord:
    exc_info = None
    if exc:
        try:
            raise ValueError("bad")
        except ValueError:
            import sys

            exc_info = sys.exc_info()
    record = logging.LogRecord("kefu.test", logging.WARNING, __file__, 1, message, (), exc_info)
    ConversationFilter().filter(record)
    return record


def test_json_log_lines_carry_the_conversation_of_the_turn() -> None:
    token = CONVERSATION_ID.set("c-42")
    try:
        line = JsonFormatter().format(_record("价格 ¥199", exc=True))
    finally:
        CONVERSATION_ID.reset(token)
    parsed = json.loads(line)
    assert "\n" not in line
    assert parsed["conversation_id"] == "c-42" and parsed["message"] == "价格 ¥199"
    assert parsed["level"] == "WARNING" and parsed["logger"] == "kefu.test"
    assert "ValueError: bad" in parsed["exception"]
    outside = json.loads(JsonFormatter().format(_record("idle")))
    assert "conversation_id" not in outside


def test_text_log_lines_name_the_conversation() -> None:
    token = CONVERSATION_ID.set("c-7")
    try:
        line = TextFormatter("%(levelname)s %(message)s").format(_record("hello"))
    finally:
        CONVERSATION_ID.reset(token)
    assert line == "WARNING hello [conversation c-7]"


def test_log_format_is_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KEFU_LOG_FORMAT", "json")
    assert LogSettings().format == "json"
    monkeypatch.setenv("KEFU_LOG_FORMAT", "xml")
    with pytest.raises(ValueError):
        LogSettings()
