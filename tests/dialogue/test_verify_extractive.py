"""Answers built from the facts alone, for when no generated sentence survives checking."""

from __future__ import annotations

from dialogue.verify import FactSet, PassageFact, ProductFact, extractive_answer

try:
    from independent_checker import unsupported_numbers
    from verify_shop import cited_text, fact_set
except ImportError:  # collected as a package
    from tests.dialogue.independent_checker import unsupported_numbers
    from tests.dialogue.verify_shop import cited_text, fact_set

FACTS = fact_set()


def test_price_and_stock_come_from_the_catalog_in_chinese() -> None:
    answer = extractive_answer("多少钱？有货吗", FACTS, focus_sku="KF-PB-20K")
    assert answer is not None
    assert "价格：¥299" in answer.text and "库存：3件" in answer.text
    assert {"KF-PB-20K#price", "KF-PB-20K#stock"} <= set(answer.citations)


def test_out_of_stock_in_english() -> None:
    answer = extractive_answer("Is it in stock?", FACTS, focus_sku="KF-SPK-R")
    assert answer is not None and "Out of stock" in answer.text
    assert "KF-SPK-R#stock" in answer.citations


def test_a_product_named_in_the_question_wins_over_the_focus() -> None:
    answer = extractive_answer(
        "How much is the Kefu Bluetooth Speaker Blue?", FACTS, "en", "KF-PB-20K"
    )
    assert answer is not None and "¥189" in answer.text


def test_best_matching_fact_sentence_with_its_citation() -> None:
    answer = extractive_answer("What is the return policy?", FACTS, focus_sku="KF-PB-20K")
    assert answer is not None
    assert answer.text.startswith("You can return any item within 30 days")
    assert answer.citations == ("returns.md#Returns",)
    qa = extractive_answer("dishwasher safe?", FACTS, focus_sku="B00545ATZW")
    assert qa is not None and qa.text == "Q: dishwasher safe? A: no"


def test_chinese_question_finds_a_chinese_passage() -> None:
    answer = extractive_answer("运费多少？", FACTS)
    assert answer is not None and "运费10元" in answer.text


def test_nothing_relevant_gives_none() -> None:
    assert extractive_answer("tell me a joke", FACTS, focus_sku="KF-PB-20K") is None
    assert extractive_answer("how much", FactSet.build(), None) is None


def test_a_review_quoting_an_old_price_is_not_repeated_as_the_price() -> None:
    product = ProductFact(sku="M1", title="Mug", price=25.0, currency="USD", stock=4)
    review = PassageFact("M1#review", "I paid $40 for this mug, great mug.", "en", "M1")
    answer = extractive_answer(
        "what did people pay for this mug?", FactSet.build([product], [review]), focus_sku="M1"
    )
    assert answer is None or "paid" not in answer.text  # neither the old price nor a misquote


def test_extractive_answers_pass_the_independent_checker() -> None:
    questions = [
        "多少钱？有货吗",
        "how much is it?",
        "Is it waterproof?",
        "能退货吗？",
        "运费多少？",
        "what does it fit?",
        "price of the crisper pan?",
        "warranty?",
        "重量多少？",
    ]
    for question in questions:
        for focus in ("KF-PB-20K", "KF-SPK-R", "B00545ATZW", None):
            answer = extractive_answer(question, FACTS, focus_sku=focus)
            if answer is not None:
                cited = [cited_text(c) for c in answer.citations]
                assert unsupported_numbers(answer.text, cited) == [], (question, focus, answer)


def test_sentences_glued_by_dots_are_quoted_one_at_a_time() -> None:
    kit = ProductFact(sku="K1", title="Art kit")
    text = "a case for every crayon..this kit comes with 15 sheets of paper..fun for all ages."
    facts = FactSet.build([kit], [PassageFact("K1#description", text, "en", "K1")])
    answer = extractive_answer("does the kit come with paper?", facts, focus_sku="K1")
    assert answer is not None
    assert answer.text == "this kit comes with 15 sheets of paper."


def test_the_retrievers_order_settles_a_tie_of_shared_words() -> None:
    tent = ProductFact(sku="T1", title="Tent")
    # the shorter sentence wins on words alone; the retriever's first choice wins here
    first = PassageFact("T1#review", "the poles are sturdy in strong wind gusts.", "en", "T1")
    second = PassageFact("T1#qa", "the poles are sturdy.", "en", "T1")
    for ranked in ([first, second], [second, first]):
        facts = FactSet.build([tent], ranked)
        answer = extractive_answer("are the poles sturdy?", facts, "en", "T1")
        assert answer is not None and answer.text == ranked[0].text
