"""Marketplace attribute records read as words in prompts and quoted answers."""

from __future__ import annotations

import pytest

from catalog.readable import readable_attribute
from dialogue.grounded import prompt_facts
from dialogue.verify import FactSet, PassageFact, extractive_answer, verify_sentence

WEIGHT = "item_weight:  { unit:pounds, normalized_value:{ unit:pounds, value:0.19 }, value:0.19 }"
SIZE = (
    "item_dimensions:  { width:{ unit:centimeters, normalized_value:{ unit:inches, value:35.04 },"
    " value:89. }, length:{ unit:centimeters, normalized_value:{ unit:inches, value:46.46 },"
    " value:118. } }"
)


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        (WEIGHT, "item weight: 0.19 pounds"),
        (SIZE, "item dimensions: width 89 centimeters (35.04 inches), "
               "length 118 centimeters (46.46 inches)"),
        ('brand:  { value:"barbie" }', "brand: barbie"),
        ("batteries_included:  { value:false }", "batteries included: no"),
        ("num_batteries:  { quantity:4, type:aa }", "num batteries: quantity 4, type aa"),
        ("voltage:  { unit:volts, value:120. }", "voltage: 120 volts"),
        ('material:  { value:"brass" }; { value:"plastic" }', "material: brass, plastic"),
        ('title:  { language_tag:en_us, value:"Red Mug" }', "title: Red Mug"),
        # Anything else is left as it is: prose, a record cut short, an empty one.
        ("Great mug: holds 12 oz {really}.", "Great mug: holds 12 oz {really}."),
        ('included_components:  { value:"mat" }; { value:"cards', None),
        ('specification_met:  { value:"" }', None),
    ],
)  # fmt: skip
def test_records_read_as_words(raw: str, shown: str | None) -> None:
    assert readable_attribute(raw) == (raw if shown is None else shown)


FACTS = FactSet.build(
    [],
    [
        PassageFact("B01#attribute", WEIGHT, "en", "B01"),
        PassageFact("B01#review", "Light.", "en", "B01"),
    ],
)


def test_the_prompt_shows_the_record_in_words() -> None:
    lines = prompt_facts(FACTS, "en")
    assert [line.text for line in lines] == ["item weight: 0.19 pounds", "Light."]


def test_a_quoted_record_is_in_words_and_still_checked_against_the_record() -> None:
    answer = extractive_answer("what is the item weight?", FACTS, "en", "B01")
    assert answer is not None
    assert answer.text == "item weight: 0.19 pounds"
    assert answer.citations[0] == "B01#attribute"
    # The verifier reads the stored record: the right weight passes, a wrong one does not.
    assert verify_sentence("It weighs 0.19 pounds.", FACTS, "B01", "en").action == "send"
    assert verify_sentence("It weighs 0.5 pounds.", FACTS, "B01", "en").action != "send"
