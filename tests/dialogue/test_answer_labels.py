"""The prompt's fact labels, copied into a reply, never reach the shopper."""

from __future__ import annotations

from dialogue.grounded import GroundedResult
from dialogue.verify import FactSet, PassageFact, ProductFact
from tests.dialogue.scripted_answer import scripted_answer

CHARGER = FactSet.build(
    [ProductFact(sku="B002BRUGI6", title="Car charger", price=12.0, currency="USD", stock=4)],
    [
        PassageFact(
            "B002BRUGI6#review", "the review says it works great in my car.", "en", "B002BRUGI6"
        )
    ],
)


def _answer(
    reply: str, question: str = "does it work in a car?"
) -> tuple[list[str], GroundedResult]:
    return scripted_answer(CHARGER, reply, question, "B002BRUGI6")


def test_a_label_alone_is_no_sentence() -> None:
    for reply in ("B002BRUGI6#review", "(B002BRUGI6#review).", "[1] (B002BRUGI6#review)"):
        sent, result = _answer(reply)
        assert not any("#" in text for text in sent), reply
        assert result.verdicts[0].action == "drop"
        assert result.verdicts[0].reason == "only a fact's label"
        assert result.verdicts[0].sentence == reply  # recorded as the model wrote it


def test_a_label_inside_a_sentence_is_cut_and_the_sentence_still_checked() -> None:
    sent, result = _answer("It works great in my car (B002BRUGI6#review).")
    assert sent == ["It works great in my car."]
    assert result.verdicts[0].citations == ("B002BRUGI6#review",)
    sent, _ = _answer("It costs $12 [1] (B002BRUGI6#catalog).", "how much is it?")
    assert sent == ["It costs $12."]


def test_a_wrong_figure_behind_a_label_is_still_caught() -> None:
    sent, result = _answer("It costs $15 (B002BRUGI6#catalog).", "how much is it?")
    assert sent == ["It costs $12."]
    assert result.verdicts[0].action == "repair"


def test_a_product_code_that_is_no_label_is_left_alone() -> None:
    sent, _ = _answer("B002BRUGI6 works great in my car.")
    assert sent == ["B002BRUGI6 works great in my car."]
