"""The dialogue manager when the model server fails: a reply cut mid-stream, an open breaker,
and recovery. The server is a real OpenAI-compatible streaming server on a TCP port."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from dialogue.lm.breaker import CircuitBreaker
from dialogue.lm.openai_client import OpenAIChatClient
from dialogue.manager import ShopAssistant
from dialogue.transcripts import SqlTranscriptStore
from dialogue.types import Answer, SentenceOut, UserTurn
from dialogue.understand.classifier import IntentClassifier
from tests.dialogue.sse_server import ChatServer
from tests.support.shop import DemoShop, build_assistant

QUESTION = "How long does the battery last and what does it cost?"
# Ten words make the first sentence; the price sentence is where the server dies.
REPLY = "It plays for up to 40 hours with ANC on. It costs ¥899 today."


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
async def server() -> AsyncIterator[ChatServer]:
    async with ChatServer(REPLY, token_delay_s=0.005) as running:
        yield running


async def ask(manager: ShopAssistant, conversation: str) -> tuple[list[SentenceOut], Answer]:
    sentences: list[SentenceOut] = []
    answers: list[Answer] = []
    turn = UserTurn(conversation, "web", QUESTION, page_sku="EA-1001")
    async for event in manager.handle(turn):
        if isinstance(event, SentenceOut):
            sentences.append(event)
        elif isinstance(event, Answer):
            answers.append(event)
    assert len(answers) == 1
    return sentences, answers[0]


def client(server: ChatServer, breaker: CircuitBreaker) -> OpenAIChatClient:
    return OpenAIChatClient(
        server.base_url, "m", retries=1, backoff_s=0.01, first_token_timeout_s=3, breaker=breaker
    )


async def test_a_reply_cut_mid_stream_keeps_its_sentences_and_ends_with_facts(
    shop: DemoShop, classifier: IntentClassifier, server: ChatServer
) -> None:
    lm = client(server, CircuitBreaker("m", failure_threshold=3))
    manager, writer = build_assistant(shop, classifier, lm, ai_disclosure=False)
    server.stop_after_words = 12  # the first sentence, then "It costs", then the server dies
    sentences, answer = await ask(manager, "c-cut")
    texts = [s.text for s in sentences]
    assert "40 hours" in texts[0], "the verified sentence already sent stays"
    assert len(texts) == 2 and "899" in texts[1], "the facts complete the answer"
    assert all(s.citations for s in sentences)
    assert "It costs ¥899 today" not in answer.text, "the half-written sentence is not sent"
    assert answer.grounded and "40 hours" in answer.text and "899" in answer.text
    await writer.flush()
    turn = SqlTranscriptStore(shop.workspace.engine).turns("c-cut")[-1]
    assert turn.role == "assistant" and turn.model == "m"
    assert "ModelServerUnavailable" in turn.model_error
    assert turn.text == answer.text
    await lm.aclose()


async def test_a_bare_yes_left_by_a_dying_server_is_recorded_as_dropped(
    shop: DemoShop, classifier: IntentClassifier
) -> None:
    async with ChatServer("Yes. It plays for up to 40 hours with ANC on.") as dying:
        dying.stop_after_words = 2  # "Yes." and "It", then the server dies
        lm = client(dying, CircuitBreaker("m", failure_threshold=3))
        manager, writer = build_assistant(shop, classifier, lm, ai_disclosure=False)
        _, answer = await ask(manager, "c-bare-cut")
        await lm.aclose()
    assert not answer.text.startswith("Yes")
    await writer.flush()
    turn = SqlTranscriptStore(shop.workspace.engine).turns("c-bare-cut")[-1]
    assert "ModelServerUnavailable" in turn.model_error
    dropped = [c for c in turn.claims if c["sentence"] == "Yes."]
    assert dropped and dropped[0]["reason"].startswith("a bare yes or no"), turn.claims


async def test_an_open_breaker_answers_from_facts_without_calling_the_server_then_recovers(
    shop: DemoShop, classifier: IntentClassifier, server: ChatServer
) -> None:
    clock = Clock()
    breaker = CircuitBreaker("m", failure_threshold=2, cooldown_s=20, clock=clock)
    lm = client(server, breaker)
    manager, writer = build_assistant(shop, classifier, lm, ai_disclosure=False)
    await server.stop()
    for n in range(2):  # the server is down: each turn still gets the facts
        _, answer = await ask(manager, f"c-down-{n}")
        assert "899" in answer.text
    assert breaker.state == "open"
    await server.start()  # back, but the breaker has not cooled down yet
    sentences, answer = await ask(manager, "c-open")
    assert "899" in answer.text and all(s.citations for s in sentences)
    assert server.requests == [], "while open, the server is not called"
    await writer.flush()
    turn = SqlTranscriptStore(shop.workspace.engine).turns("c-open")[-1]
    assert turn.model_error.startswith("ModelCircuitOpen")
    clock.now += 20  # half-open: one trial, which succeeds and closes the breaker
    _, answer = await ask(manager, "c-back")
    assert "40 hours" in answer.text and "899" in answer.text
    assert len(server.requests) == 1 and breaker.state == "closed"
    await writer.flush()
    assert SqlTranscriptStore(shop.workspace.engine).turns("c-back")[-1].model_error == ""
    await lm.aclose()


async def test_a_server_dead_from_the_start_and_one_answering_garbage(
    shop: DemoShop, classifier: IntentClassifier, server: ChatServer
) -> None:
    lm = client(server, CircuitBreaker("m", failure_threshold=5))
    manager, writer = build_assistant(shop, classifier, lm, ai_disclosure=False)
    server.mode = "garbage"
    _, garbage = await ask(manager, "c-garbage")
    server.mode = "http500"
    _, failing = await ask(manager, "c-500")
    await server.stop()
    _, dead = await ask(manager, "c-dead")
    for answer in (garbage, failing, dead):
        assert "899" in answer.text and answer.grounded
    await writer.flush()
    store = SqlTranscriptStore(shop.workspace.engine)
    assert "invalid JSON" in store.turns("c-garbage")[-1].model_error
    assert "HTTP 500" in store.turns("c-500")[-1].model_error
    assert "cannot reach" in store.turns("c-dead")[-1].model_error
    assert lm.breaker.snapshot().consecutive_failures == 3
    await lm.aclose()
