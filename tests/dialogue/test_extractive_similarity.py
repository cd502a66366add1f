"""Quoting the fact sentence closest to the question by the search embedder's similarity."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from dialogue.similarity import EmbedderSimilarity
from dialogue.verify import FactSet, PassageFact, ProductFact, extractive_answer
from retrieval.paired import PairedEmbedder
from retrieval.types import Embedder

LAMP = ProductFact(sku="L1", title="Desk lamp")


def _facts(*texts: str) -> FactSet:
    passages = [PassageFact(f"L1#p{i}", t, "en", "L1") for i, t in enumerate(texts)]
    return FactSet.build([LAMP], passages)


class ScriptedSimilarity:
    """Similarities read from a table (sentence -> score); the logic under test is the choice."""

    def __init__(self, scores: dict[str, float], minimum: float = 0.7) -> None:
        self.scores = scores
        self.minimum = minimum
        self.asked: list[str] = []

    def gates(self, question: str) -> bool:
        return not any("\u4e00" <= ch <= "\u9fff" for ch in question)

    def __call__(self, question: str, sentences: Sequence[str]) -> list[float]:
        self.asked.extend(sentences)
        return [self.scores.get(s, 0.0) for s in sentences]


def test_the_closest_sentence_is_quoted_without_a_shared_word() -> None:
    facts = _facts("no, it is not backlit.", "the base is made of oak.")
    similarity = ScriptedSimilarity(
        {"no, it is not backlit.": 0.82, "the base is made of oak.": 0.71}
    )
    assert extractive_answer("does it have a back light?", facts, "en", "L1") is None  # words
    answer = extractive_answer("does it have a back light?", facts, "en", "L1", similarity)
    assert answer is not None and answer.text == "no, it is not backlit."
    assert answer.citations == ("L1#p0",)


def test_nothing_close_enough_means_no_quote_even_with_shared_words() -> None:
    facts = _facts("the lamp arm is 40 cm long.")
    similarity = ScriptedSimilarity({"the lamp arm is 40 cm long.": 0.69})
    assert extractive_answer("is the lamp dimmable?", facts, "en", "L1") is not None  # "lamp"
    assert extractive_answer("is the lamp dimmable?", facts, "en", "L1", similarity) is None


def test_the_retrievers_order_settles_a_near_tie() -> None:
    a, b = "it dims in three steps.", "the light dims smoothly."
    similarity = ScriptedSimilarity({a: 0.800, b: 0.802})
    for ranked in ((a, b), (b, a)):
        answer = extractive_answer("is it dimmable?", _facts(*ranked), "en", "L1", similarity)
        assert answer is not None and answer.text == ranked[0]


def test_where_similarity_does_not_gate_a_shared_word_still_must() -> None:
    facts = _facts("支持三档调光。", "底座为实木。")
    similarity = ScriptedSimilarity({"支持三档调光。": 0.95, "底座为实木。": 0.9})
    assert extractive_answer("今天天气怎么样？", facts, "zh", "L1", similarity) is None
    answer = extractive_answer("可以调光吗？", facts, "zh", "L1", similarity)
    assert answer is not None and answer.text == "支持三档调光。"
    assert similarity.asked == ["支持三档调光。"]  # only the sentence sharing a word


def test_a_quoted_sentence_still_passes_the_verifier() -> None:
    # the closest sentence names a sum: a review's price is never quoted as the price
    facts = _facts("i paid $40 for it and it dims nicely.", "it has three brightness steps.")
    similarity = ScriptedSimilarity(
        {"i paid $40 for it and it dims nicely.": 0.9, "it has three brightness steps.": 0.8}
    )
    answer = extractive_answer("can it dim?", facts, "en", "L1", similarity)
    assert answer is not None and answer.text == "it has three brightness steps."


@pytest.mark.slow
def test_the_shipped_embedder_finds_synonyms_and_refuses_strangers(
    e5_embedder: Embedder, minilm_embedder: Embedder
) -> None:
    similarity = EmbedderSimilarity(PairedEmbedder(e5_embedder, minilm_embedder, 0.25))
    facts = _facts(
        "no, it is not backlit.",
        "the base is made of solid oak and weighs 1.2 kg.",
        "ships in a recycled cardboard box.",
    )
    answer = extractive_answer("does it have a back light?", facts, "en", "L1", similarity)
    assert answer is not None and answer.text == "no, it is not backlit."
    wash = extractive_answer("how do I wash it?", _facts("is dishwasher safe: no"), "en", "L1",
                             similarity)  # fmt: skip
    assert wash is not None and wash.text == "is dishwasher safe: no"
    stranger = "which football team won the league in 1998?"
    assert extractive_answer(stranger, facts, "en", "L1", similarity) is None
    zh = _facts("这款充电宝容量为20000毫安时，支持快充。", "七天无理由退货，运费由买家承担。")
    assert extractive_answer("今天天气怎么样？", zh, "zh", "L1", similarity) is None
    refund = extractive_answer("可以退货吗？", zh, "zh", "L1", similarity)
    assert refund is not None and refund.text == "七天无理由退货，运费由买家承担。"
