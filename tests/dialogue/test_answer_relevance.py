"""A generated sentence that checks out but answers nothing asked is not sent."""

from __future__ import annotations

from collections.abc import Sequence

from dialogue.grounded import GroundedResult
from dialogue.verify import FactSet, PassageFact, ProductFact
from tests.dialogue.scripted_answer import scripted_answer

BLASTER = FactSet.build(
    [ProductFact(sku="T1", title="Dart blaster")],
    [
        PassageFact("T1#review", "the suction cup darts do work in this blaster.", "en", "T1"),
        PassageFact("T1#bullet", "comes with a one year warranty.", "en", "T1"),
    ],
)
OFF = "The suction cup darts do work in this blaster."
ON = "It comes with a one year warranty."


class TableSimilarity:
    """Cosines from a table; what is under test is what the answer does with them."""

    minimum = 0.7

    def __init__(self, scores: dict[str, float]) -> None:
        self.scores = scores

    def gates(self, question: str) -> bool:
        return not any("\u4e00" <= ch <= "\u9fff" for ch in question)

    def __call__(self, question: str, sentences: Sequence[str]) -> list[float]:
        return [self.scores.get(s, 0.0) for s in sentences]


def _answer(
    reply: str, question: str, similarity: TableSimilarity | None, minimum: float | None = 0.65
) -> tuple[list[str], GroundedResult]:
    return scripted_answer(BLASTER, reply, question, "T1", similarity, minimum)


def test_a_true_sentence_off_the_question_is_dropped_and_recorded() -> None:
    scores = {OFF: 0.58, ON: 0.83, "comes with a one year warranty.": 0.83}
    sent, result = _answer(f"{OFF} {ON}", "does it come with a warranty?", TableSimilarity(scores))
    assert sent == [ON]
    dropped = [v for v in result.verdicts if v.sentence == OFF]
    assert dropped and dropped[0].action == "drop"
    assert dropped[0].reason.startswith("off the question")


def test_without_an_answer_on_the_question_the_facts_answer_or_nobody_does() -> None:
    scores = {OFF: 0.58, "comes with a one year warranty.": 0.83}
    sent, result = _answer(OFF, "does it come with a warranty?", TableSimilarity(scores))
    assert sent == ["comes with a one year warranty."]  # quoted from the facts
    assert result.fallback == "extractive"


def test_no_similarity_or_no_minimum_sends_every_checked_sentence() -> None:
    assert _answer(OFF, "does it come with a warranty?", None)[0] == [OFF]
    table = TableSimilarity({OFF: 0.58})
    assert _answer(OFF, "does it come with a warranty?", table, None)[0] == [OFF]


def test_a_chinese_question_is_not_gated() -> None:
    sent, _ = _answer(OFF, "有保修吗？", TableSimilarity({OFF: 0.1}))
    assert sent == [OFF]
