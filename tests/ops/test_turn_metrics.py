"""Turn metrics: the dialogue manager reports each turn, bot/metrics.py counts it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bot import metrics
from dialogue.lm.scripted import ScriptedLM
from dialogue.manager import ShopAssistant
from dialogue.observers import CONVERSATION_ID, TurnReport, add_turn_observer
from dialogue.types import Answer, UserTurn
from dialogue.understand.classifier import IntentClassifier
from tests.support.shop import DemoShop, build_assistant


@pytest.fixture
def reports() -> Iterator[list[TurnReport]]:
    seen: list[TurnReport] = []
    remove = add_turn_observer(seen.append)
    stop_counting = metrics.observe_turns()
    yield seen
    stop_counting()
    remove()


async def answer(manager: ShopAssistant, text: str, conversation: str, **turn: object) -> Answer:
    final = None
    async for event in manager.handle(UserTurn(conversation, "web", text, **turn)):  # type: ignore[arg-type]
        if isinstance(event, Answer):
            final = event
    assert final is not None
    return final


def sample(name: str, **labels: str) -> float:
    return metrics.REGISTRY.get_sample_value(name, labels) or 0.0


async def test_a_model_answer_is_counted_with_its_stages_verdicts_and_tokens(
    shop: DemoShop, classifier: IntentClassifier, reports: list[TurnReport]
) -> None:
    lm = ScriptedLM(["It plays for up to 40 hours with ANC on. It costs ¥199 today."])
    manager, _ = build_assistant(shop, classifier, lm)
    tokens_before = sample("kefu_model_tokens_total", model=lm.name)
    generate_before = sample("kefu_turn_stage_seconds_count", stage="generate")

    await answer(manager, "How long does the battery last and what does it cost?", "m-1",
                 page_sku="EA-1001")  # fmt: skip

    (report,) = reports
    assert report.channel == "web" and report.model == lm.name and report.tokens > 0
    assert {"understand", "retrieve", "generate", "verify", "total"} <= set(report.latency_ms)
    assert report.latency_ms["verify"] >= 0 and report.generate_s >= 0
    # the wrong price was repaired or dropped: the check's verdicts are counted by kind
    assert {"repair", "drop"} & set(report.verdicts)
    assert sample("kefu_turns_total", channel="web", intent=report.intent) >= 1
    assert sample("kefu_model_tokens_total", model=lm.name) == tokens_before + report.tokens
    assert sample("kefu_turn_stage_seconds_count", stage="generate") == generate_before + 1
    for verdict in set(report.verdicts):
        assert sample("kefu_verified_sentences_total", verdict=verdict) >= 1


async def test_a_handoff_is_counted_by_its_reason(
    shop: DemoShop, classifier: IntentClassifier, reports: list[TurnReport]
) -> None:
    manager = build_assistant(shop, classifier, ScriptedLM(default="Hello."))[0]
    await answer(manager, "I want to talk to a human agent", "m-human")
    (report,) = reports
    assert report.handoff_reason
    assert sample("kefu_handoffs_total", reason=report.handoff_reason) >= 1


async def test_the_turn_sets_the_conversation_for_log_lines(
    shop: DemoShop, classifier: IntentClassifier, reports: list[TurnReport]
) -> None:
    manager = build_assistant(shop, classifier, ScriptedLM(default="Hello."))[0]
    seen: list[str | None] = []
    remove = add_turn_observer(lambda _: seen.append(CONVERSATION_ID.get()))
    try:
        await answer(manager, "hello", "m-log")
    finally:
        remove()
    assert seen == ["m-log"]


def test_a_failing_observer_does_not_fail_the_turn() -> None:
    from dialogue.observers import report_turn

    def broken(_: TurnReport) -> None:
        raise RuntimeError("observer down")

    remove = add_turn_observer(broken)
    try:
        report_turn(TurnReport(channel="web", intent="greeting"))
    finally:
        remove()
