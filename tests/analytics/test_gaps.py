"""Knowledge gaps: which questions count as unanswered, and how they are grouped."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import Engine

from analytics.filters import Filters, Scope
from analytics.gaps import knowledge_gaps
from analytics.settings import AnalyticsSettings
from analytics.similarity import group_similar
from tests.analytics.builder import ShopBuilder, at


def test_unanswered_questions_grouped_by_similarity(db: Engine) -> None:
    b = ShopBuilder()
    # thumbs-down answer: unanswered
    b.conversation("g1", at(2, 10), user="v1")
    b.exchange(
        "g1", at(2, 10), text="Do you ship to Hong Kong?", thumbs="down", intent="delivery_options"
    )
    # handed off with no bot reply: unanswered
    b.conversation("g2", at(3, 10), user="v2", handed_off=True)
    b.turn("g2", at(3, 10), "user", "do you ship to hongkong", intent="delivery_options")
    # failed check and no citation: unanswered; failed check but cited: answered
    b.conversation("g3", at(4, 10), user="v3")
    b.exchange("g3", at(4, 10), text="能开增值税专用发票吗", failed_checks=2, intent="get_invoice")
    b.exchange(
        "g3",
        at(4, 11),
        text="能开专用发票吗",
        failed_checks=1,
        cites=["faq.zh.md#x"],
        intent="get_invoice",
    )
    # a staff member had to answer: unanswered
    b.conversation("g4", at(5, 10), user="v4", handed_off=True)
    b.turn("g4", at(5, 10), "user", "Shipping to Hong Kong possible?", intent="delivery_options")
    b.turn("g4", at(5, 10, 5), "staff", "yes, 5 days")
    # asking for a person is not a knowledge gap
    b.conversation("g5", at(5, 12), user="v5", handed_off=True)
    b.turn("g5", at(5, 12), "user", "human please", intent="contact_human_agent")
    # answered fine
    b.conversation("g6", at(6, 10), user="v6")
    b.exchange("g6", at(6, 10), text="Do you ship to Hong Kong?", cites=["shipping.en.md#x"])
    # outside the range
    b.conversation("g7", at(20), user="v7")
    b.exchange("g7", at(20), text="Do you ship to Hong Kong?", thumbs="down")
    b.write(db)
    scope = Scope(Filters(date(2026, 3, 1), date(2026, 3, 10)), AnalyticsSettings(), at(25))
    with db.connect() as conn:
        gaps = knowledge_gaps(conn, scope)
    assert [(g.count, set(g.conversation_ids)) for g in gaps] == [
        (3, {"g1", "g2", "g4"}),
        (1, {"g3"}),
    ]
    assert gaps[0].question in {"Do you ship to Hong Kong?", "do you ship to hongkong",
                                "Shipping to Hong Kong possible?"}  # fmt: skip
    assert len(gaps[0].examples) == 3
    assert gaps[1].question == "能开增值税专用发票吗"


def test_no_unanswered_questions(db: Engine) -> None:
    scope = Scope(Filters(date(2026, 3, 1), date(2026, 3, 10)), AnalyticsSettings(), at(25))
    with db.connect() as conn:
        assert knowledge_gaps(conn, scope) == ()


def test_grouping_in_chinese_and_english() -> None:
    texts = [
        "Is there a student discount?", "有学生优惠吗？", "student discount?",
        "能开增值税专用发票吗", "可以开增值税专票吗？", "what is the warranty on the kettle",
    ]  # fmt: skip
    groups = group_similar(texts, 0.45)
    as_sets = [{texts[i] for i in g} for g in groups]
    assert {"Is there a student discount?", "student discount?"} in as_sets
    assert {"能开增值税专用发票吗", "可以开增值税专票吗？"} in as_sets
    assert sorted(i for g in groups for i in g) == list(range(len(texts)))


def test_grouping_is_deterministic_and_handles_empty_input() -> None:
    texts = [f"question {i % 3} about shipping {timedelta(days=i).days}" for i in range(12)]
    assert group_similar(texts, 0.5) == group_similar(texts, 0.5)
    assert group_similar([], 0.5) == []
    assert group_similar(["", " "], 0.5) == [[0, 1]]
