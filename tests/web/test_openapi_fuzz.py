"""schemathesis against the app's own OpenAPI spec: no 500s, every error a documented 4xx."""

from __future__ import annotations

from typing import Any

import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.config import SchemathesisConfig

from bot.web import WebSettings, create_app
from bot.web.products import InMemoryProductLookup
from bot.web.ratelimit import MemoryRateLimiter
from bot.web.store import InMemoryConversationStore
from tests.web.conftest import PRODUCTS
from tests.web.scripted import ScriptedDialogueManager

app = create_app(
    ScriptedDialogueManager(PRODUCTS),
    InMemoryConversationStore(),
    InMemoryProductLookup(PRODUCTS),
    # generous limits: the fuzzer is one client sending thousands of requests
    WebSettings(
        redis_url="",
        identity_secret="fuzz",
        ip_burst=100_000,
        ip_per_minute=1e6,
        session_burst=100_000,
        session_per_minute=1e6,
    ),
    rate_limiter=MemoryRateLimiter(),
)
# 413 is how this API refuses an over-long message (a documented, friendly error).
CONFIG = SchemathesisConfig.from_dict(
    {
        "checks": {
            "negative_data_rejection": {
                "expected-statuses": [400, 401, 403, 404, 405, 406, 409, 413, 415, 422, 428, 429]
            }
        }
    }
)
schema = schemathesis.openapi.from_asgi("/openapi.json", app, config=CONFIG)


@schema.parametrize()
@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
def test_api_conforms_to_its_spec(case: Any) -> None:
    case.call_and_validate()


def _existing_conversation() -> str:
    from starlette.testclient import TestClient

    with TestClient(app) as client:
        r = client.post("/api/conversations", json={"shop": "fuzz"})
        cid = str(r.json()["conversation_id"])
        client.post(f"/api/conversations/{cid}/messages", json={"id": "seed", "text": "hello"})
    return cid


EXISTING = _existing_conversation()


@schema.parametrize()
@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
def test_api_on_a_real_conversation(case: Any) -> None:
    # Random ids mostly hit 404; this run sends every operation to a live conversation.
    # Only schema-valid cases: a broken id is what a negative case is about.
    positive = case.meta is None or case.meta.generation.mode == "positive"
    if positive and case.path_parameters and "conversation_id" in case.path_parameters:
        case.path_parameters["conversation_id"] = EXISTING
    case.call_and_validate()
