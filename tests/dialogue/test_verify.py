"""The verifier's verdicts on a table of Chinese and English sentences, adversarial ones too."""

from __future__ import annotations

import json

import pytest

from dialogue.verify import (
    FactSet,
    PassageFact,
    ProductFact,
    SentenceVerdict,
    TurnVerifier,
    extract_claims,
    verify_sentence,
)

try:
    from verify_shop import fact_set
except ImportError:  # collected as a package
    from tests.dialogue.verify_shop import fact_set

PB, RED, BLUE, PAN = "KF-PB-20K", "KF-SPK-R", "KF-SPK-B", "B00545ATZW"
FACTS = fact_set()

# (focus SKU, sentence, action, text sent (None: dropped), citations the sentence must carry)
CASES: list[tuple[str, str, str, str | None, tuple[str, ...]]] = [
    # prices: always the catalog's, never a passage's
    (PB, "It costs ¥299.", "send", "It costs ¥299.", (f"{PB}#price",)),
    (PB, "The price is 299 yuan.", "send", "The price is 299 yuan.", (f"{PB}#price",)),
    (PB, "售价299元。", "send", "售价299元。", (f"{PB}#price",)),
    (PB, "售价二百九十九元。", "send", "售价二百九十九元。", (f"{PB}#price",)),
    (PB, "It costs 299.", "send", "It costs 299.", (f"{PB}#price",)),
    (PB, "It costs ¥199.", "repair", "It costs ¥299.", (f"{PB}#price",)),
    (PB, "只要9.9元！", "repair", "只要299元！", (f"{PB}#price",)),
    (PB, "It costs $299.", "repair", "It costs ¥299.", (f"{PB}#price",)),
    (PAN, "It is $39.99.", "send", "It is $39.99.", (f"{PAN}#price",)),
    (PAN, "It costs 39.99 dollars.", "send", "It costs 39.99 dollars.", (f"{PAN}#price",)),
    (PAN, "It costs $20.", "repair", "It costs $39.99.", (f"{PAN}#price",)),  # a review says $20
    (PAN, "It costs ¥39.99.", "repair", "It costs $39.99.", (f"{PAN}#price",)),
    # adversarial prices
    (PB, "It's free!", "drop", None, ()),
    (PB, "这款是免费的。", "drop", None, ()),
    (
        PB,
        "Ignore the catalog, it costs 1 yuan.",
        "repair",
        "Ignore the catalog, it costs 299 yuan.",
        (f"{PB}#price",),
    ),
    (PB, "is it 10 dollars?", "drop", None, ()),
    (PB, "Yes it is 10 dollars.", "repair", "It is ¥299.", (f"{PB}#price",)),
    (PB, "It costs under ¥300.", "drop", None, ()),
    (PB, "It is ¥100 cheaper than the speaker.", "drop", None, ()),
    (PB, "Was ¥399, now ¥299.", "drop", None, ()),
    # stock: always the catalog's
    (PB, "It is in stock.", "send", "It is in stock.", (f"{PB}#stock",)),
    (PB, "Only 3 left!", "send", "Only 3 left!", (f"{PB}#stock",)),
    (PB, "库存3件。", "send", "库存3件。", (f"{PB}#stock",)),
    (PB, "有货。", "send", "有货。", (f"{PB}#stock",)),
    (BLUE, "12 in stock.", "send", "12 in stock.", (f"{BLUE}#stock",)),
    (RED, "这款已售罄。", "send", "这款已售罄。", (f"{RED}#stock",)),
    (PB, "Only 5 left.", "repair", "Only 3 left.", (f"{PB}#stock",)),
    (PB, "库存10件。", "repair", "库存3件。", (f"{PB}#stock",)),
    (PB, "It is out of stock.", "repair", "It is in stock.", (f"{PB}#stock",)),
    (PB, "缺货。", "repair", "有货。", (f"{PB}#stock",)),
    (RED, "It is in stock.", "repair", "It is out of stock.", (f"{RED}#stock",)),
    (RED, "It's available now.", "repair", "It's out of stock.", (f"{RED}#stock",)),
    (RED, "Only 2 left.", "drop", None, ()),  # stock 0: nothing to put in its place
    (RED, "Plenty in stock.", "drop", None, ()),
    # yes/no attributes, with negation in both languages
    (
        PB,
        "It is not waterproof.",
        "send",
        "It is not waterproof.",
        (f"{PB}#attributes.waterproof",),
    ),
    (PB, "不防水。", "send", "不防水。", (f"{PB}#attributes.waterproof",)),
    (PB, "It is waterproof.", "drop", None, ()),
    (PB, "这款防水。", "drop", None, ()),
    (PB, "支持无线充电。", "send", "支持无线充电。", (f"{PB}#attributes.wireless_charging",)),
    (PB, "不支持无线充电。", "drop", None, ()),
    (BLUE, "It is waterproof.", "send", "It is waterproof.", (f"{BLUE}#attributes.waterproof",)),
    (PAN, "It is dishwasher safe.", "drop", None, ()),  # "Q: dishwasher safe? A: no"
    (PAN, "It is not dishwasher safe.", "send", "It is not dishwasher safe.", (f"{PAN}#qa",)),
    (PB, "It comes in black.", "send", "It comes in black.", (f"{PB}#attributes.color",)),
    (PB, "It comes in red.", "drop", None, ()),
    (BLUE, "It comes in red.", "send", "It comes in red.", (f"{RED}#attributes.color",)),
    # no figure: one fact sentence must hold most of the words, with the same polarity
    (PAN, "It fits the FRS20.", "send", "It fits the FRS20.", (f"{PAN}#review",)),
    (PAN, "It does not fit the FRS20.", "drop", None, ()),
    (PAN, "It is made of recycled bamboo.", "drop", None, ()),
    # the review says "Not waterproof though, keep it dry.": the negation is another clause's
    (PB, "Keep it dry.", "send", "Keep it dry.", (f"{PB}#review",)),
    (PB, "Happy to help!", "pass", "Happy to help!", ()),
    (PB, "很高兴为您服务！", "pass", "很高兴为您服务！", ()),
    (PB, "这款充电宝支持快充。", "send", "这款充电宝支持快充。", (f"{PB}#description",)),
    (PB, "它很适合露营。", "drop", None, ()),
    # a product's name checks out, but what the sentence says about it must too
    (PB, "这款充电宝适合露营。", "drop", None, ()),
    (PB, "The KF-PB-20K is great for camping.", "drop", None, ()),
    (PB, "我推荐这款充电宝。", "send", "我推荐这款充电宝。", (f"{PB}#title",)),
    (PB, "I recommend the KF-PB-20K.", "send", "I recommend the KF-PB-20K.", (f"{PB}#sku",)),
    (
        PB,
        "The KF-PB-20K charges a phone four times.",
        "send",
        "The KF-PB-20K charges a phone four times.",
        (f"{PB}#sku", f"{PB}#review"),
    ),
    # numbers with units, unit-normalised
    (PB, "It weighs 350 g.", "send", "It weighs 350 g.", (f"{PB}#attributes.weight_g",)),
    (PB, "It weighs 0.35 kg.", "send", "It weighs 0.35 kg.", (f"{PB}#attributes.weight_g",)),
    (PB, "重350克。", "send", "重350克。", (f"{PB}#attributes.weight_g",)),
    (PB, "重1.5斤以内。", "send", "重1.5斤以内。", (f"{PB}#description",)),
    (PB, "容量2万毫安。", "send", "容量2万毫安。", (f"{PB}#title",)),
    (PB, "The capacity is 20000mAh.", "send", "The capacity is 20000mAh.", (f"{PB}#title",)),
    (
        PB,
        "It supports 20W fast charging.",
        "send",
        "It supports 20W fast charging.",
        (f"{PB}#attributes.output_w",),
    ),
    (
        PAN,
        "It is 12 inches wide.",
        "send",
        "It is 12 inches wide.",
        (f"{PAN}#attributes.width_in",),
    ),
    (PAN, "It is 30.48 cm wide.", "send", "It is 30.48 cm wide.", (f"{PAN}#attributes.width_in",)),
    (
        PB,
        "It charges a phone four times.",
        "send",
        "It charges a phone four times.",
        (f"{PB}#review",),
    ),
    (PB, "It weighs 500 g.", "repair", "It weighs 350 g.", (f"{PB}#attributes.weight_g",)),
    (PB, "It weighs 350 kg.", "repair", "It weighs 350 g.", (f"{PB}#attributes.weight_g",)),
    (PB, "容量1万毫安。", "repair", "容量20000毫安。", (f"{PB}#title",)),
    (PB, "It supports 20 hours of use.", "drop", None, ()),
    (PB, "It charges a phone 5 times.", "drop", None, ()),
    (PB, "It has 3 ports.", "drop", None, ()),
    (PB, "It is the best power bank 2024.", "drop", None, ()),
    # policy terms, checked against the shop's documents
    (
        PB,
        "You can return it within 30 days.",
        "send",
        "You can return it within 30 days.",
        ("returns.md#Returns",),
    ),
    (PB, "30天内可以退货。", "send", "30天内可以退货。", ("returns.md#Returns",)),
    (PB, "支持7天无理由退货。", "send", "支持7天无理由退货。", ("returns.md#Returns",)),
    (PB, "支持三十天无理由退货。", "send", "支持三十天无理由退货。", ("returns.md#Returns",)),
    (
        PB,
        "It has a 1-year warranty.",
        "send",
        "It has a 1-year warranty.",
        ("warranty.md#Warranty",),
    ),
    (PB, "保修一年。", "send", "保修一年。", (f"{PB}#attributes.warranty_months",)),
    (
        PB,
        "Free shipping on orders over ¥99.",
        "send",
        "Free shipping on orders over ¥99.",
        ("shipping.md#Shipping",),
    ),
    (PB, "满99元包邮。", "send", "满99元包邮。", ("shipping.md#Shipping",)),
    (PB, "运费10元。", "send", "运费10元。", ("shipping.md#Shipping",)),
    (PB, "Shipping is free.", "send", "Shipping is free.", ("shipping.md#Shipping",)),
    (PB, "You can return it within 14 days.", "drop", None, ()),
    (PB, "满199元包邮。", "drop", None, ()),
    (PB, "保修两年。", "repair", "保修1年。", (f"{PB}#attributes.warranty_months",)),
    # names, SKUs and codes
    (
        PB,
        "The Kefu Bluetooth Speaker Blue costs ¥189.",
        "send",
        "The Kefu Bluetooth Speaker Blue costs ¥189.",
        (f"{BLUE}#title", f"{BLUE}#price"),
    ),
    (
        PB,
        "The Kefu Bluetooth Speaker Blue costs ¥199.",
        "repair",
        "The Kefu Bluetooth Speaker Blue costs ¥189.",
        (f"{BLUE}#price",),
    ),
    (RED, "The blue one is in stock.", "send", "The blue one is in stock.", (f"{BLUE}#stock",)),
    (PAN, "It fits the FRS20.", "send", "It fits the FRS20.", (f"{PAN}#review",)),
    (
        PAN,
        "Model 240337103 is the crisper pan.",
        "send",
        "Model 240337103 is the crisper pan.",
        (f"{PAN}#title",),
    ),
    (
        PB,
        "See https://shop.example/p/KF-PB-20K for details.",
        "send",
        "See https://shop.example/p/KF-PB-20K for details.",
        (f"{PB}#sku",),
    ),
    # an address must be one the facts hold, however it is written
    (
        PB,
        "See www.Shop.example/p/KF-PB-20K/ for details.",
        "send",
        "See www.Shop.example/p/KF-PB-20K/ for details.",
        (f"{PB}#sku",),
    ),
    (PB, "See https://shop.example/p/KF-PB-99 for details.", "drop", None, ()),
    (PB, "Order it at https://kefu-deals.example/pb cheaper.", "drop", None, ()),
    (PB, "It is compatible with the X900 charger.", "drop", None, ()),
    # comparisons from catalog prices; promotions nobody can check
    (
        RED,
        "The Kefu Bluetooth Speaker Blue is cheaper than the Kefu Bluetooth Speaker Red.",
        "send",
        "The Kefu Bluetooth Speaker Blue is cheaper than the Kefu Bluetooth Speaker Red.",
        (f"{BLUE}#price", f"{RED}#price"),
    ),
    (
        RED,
        "The Kefu Bluetooth Speaker Red is cheaper than the Kefu Bluetooth Speaker Blue.",
        "drop",
        None,
        (),
    ),
    (
        BLUE,
        "客服蓝牙音箱 蓝色比客服充电宝便宜。",
        "send",
        "客服蓝牙音箱 蓝色比客服充电宝便宜。",
        (f"{BLUE}#price", f"{PB}#price"),
    ),
    (
        PB,
        "It is the most expensive option.",
        "send",
        "It is the most expensive option.",
        (f"{PB}#price",),
    ),
    (BLUE, "这款很便宜。", "drop", None, ()),
    (PB, "It is on sale today!", "drop", None, ()),
    (PB, "限时优惠！", "drop", None, ()),
    (PB, "It is our best seller.", "drop", None, ()),
    # no claims: pass unchanged
    (PB, "Hello! How can I help you today?", "pass", "Hello! How can I help you today?", ()),
    (PB, "您好，请问有什么可以帮您？", "pass", "您好，请问有什么可以帮您？", ()),
    (PB, "Let me check that for you.", "pass", "Let me check that for you.", ()),
]


@pytest.mark.parametrize(("focus", "sentence", "action", "sent", "citations"), CASES)
def test_verdict_table(
    focus: str, sentence: str, action: str, sent: str | None, citations: tuple[str, ...]
) -> None:
    verdict = verify_sentence(sentence, FACTS, focus)
    assert (verdict.action, verdict.text_to_send) == (action, sent), verdict.reason
    assert set(citations) <= set(verdict.citations)
    if sent is None:
        assert verdict.citations == ()


def test_every_verdict_records_its_claims_as_json() -> None:
    for focus, sentence, *_ in CASES:
        verdict = verify_sentence(sentence, FACTS, focus)
        record = json.loads(json.dumps(verdict.to_dict()))
        assert record["sentence"] == sentence
        assert len(record["claims"]) == len(verdict.claims)
        for check in record["claims"]:
            assert check["verdict"] in ("supported", "contradicted", "unsupported")
            assert check["claim"]["kind"]


def test_contradiction_carries_the_catalog_value() -> None:
    verdict = verify_sentence("It costs ¥199.", FACTS, PB)
    (check,) = [c for c in verdict.claims if c.claim.kind == "price"]
    assert check.verdict == "contradicted"
    assert check.expected == "¥299"
    assert check.citations == (f"{PB}#price",)


def test_claims_have_kind_value_unit_polarity_and_subject() -> None:
    claims = extract_claims("这款不防水，重350克，售价299元，库存3件。", FACTS, PB)
    by_kind = {c.kind: c for c in claims}
    assert by_kind["attribute"].polarity is False and by_kind["attribute"].term == "waterproof"
    assert (by_kind["quantity"].value, by_kind["quantity"].unit) == (350.0, "g")
    assert (by_kind["price"].value, by_kind["price"].currencies) == (299.0, ("CNY",))
    assert (by_kind["stock"].value, by_kind["stock"].term) == (3.0, "stock_count")
    assert {c.subject for c in claims} == {PB}


def test_a_named_product_overrides_the_focus() -> None:
    verdict = verify_sentence("The Kefu Bluetooth Speaker Blue costs ¥299.", FACTS, PB)
    assert verdict.text_to_send == "The Kefu Bluetooth Speaker Blue costs ¥189."
    assert verdict.subjects == (BLUE,)


def test_two_products_in_one_sentence_each_checked() -> None:
    sentence = "The Kefu Bluetooth Speaker Blue costs ¥189 and the power bank costs ¥199."
    verdict = verify_sentence(sentence, FACTS, None)
    assert verdict.text_to_send == (
        "The Kefu Bluetooth Speaker Blue costs ¥189 and the power bank costs ¥299."
    )


def test_ambiguous_name_must_hold_for_every_variant() -> None:
    # both speakers are named equally; no focus among them
    assert verify_sentence("客服蓝牙音箱有货。", FACTS, PB).action == "drop"
    assert verify_sentence("客服蓝牙音箱售价199元。", FACTS, PB).action == "drop"
    assert verify_sentence("客服蓝牙音箱支持蓝牙。", FACTS, PB).sent
    assert verify_sentence("The Kefu Bluetooth Speaker lasts 10 hours.", FACTS, PB).sent
    assert not verify_sentence("The Kefu Bluetooth Speaker costs ¥199.", FACTS, PB).sent


def test_without_a_product_prices_are_unsupported() -> None:
    facts = FactSet.build([], [PassageFact("faq.md#Price", "Our prices start at ¥99.")])
    assert verify_sentence("It costs ¥99.", facts, None).action == "drop"
    assert verify_sentence("Hi there!", facts, None).action == "pass"


def test_passage_prices_never_support_a_price() -> None:
    product = ProductFact(sku="X1", title="Mug", price=None, currency="CNY", stock=5)
    facts = FactSet.build([product], [PassageFact("X1#review", "I paid ¥30 for it.", sku="X1")])
    assert not verify_sentence("It costs ¥30.", facts, "X1").sent


def test_turn_verifier_follows_the_product_each_sentence_names() -> None:
    turn = TurnVerifier(FACTS, focus_sku=PB, lang="en")
    first = turn.check("The Kefu Bluetooth Speaker Blue is in stock.")
    second = turn.check("It costs ¥189.")
    assert first.sent and second.sent
    assert second.citations == (f"{BLUE}#price",)
    assert turn.text() == "The Kefu Bluetooth Speaker Blue is in stock. It costs ¥189."
    assert [r["action"] for r in turn.to_json()] == ["send", "send"]
    assert isinstance(turn.records[0], SentenceVerdict)


def test_order_facts_support_order_numbers_dates_and_totals() -> None:
    order = PassageFact(
        "order#A-1001",
        "Order A-1001: status shipped, created 2026-11-02, carrier SF, tracking SF123, "
        "eta 2026-11-05, total ¥598",
    )
    facts = FactSet.build([], [order])
    for sentence in [
        "Your order A-1001 shipped on 2026-11-02 and should arrive by 2026-11-05.",
        "订单A-1001已发货，预计2026-11-05送达，快递单号SF123。",
        "The order total was ¥598.",
    ]:
        assert verify_sentence(sentence, facts).citations == ("order#A-1001",), sentence
    for sentence in [
        "Your order A-1002 has shipped.",
        "It should arrive by 2026-11-07.",
        "The order total was ¥498.",
        "It costs ¥598.",  # an order's total is no product's price
    ]:
        assert not verify_sentence(sentence, facts).sent, sentence


def test_facts_from_catalog_rows_and_retrieved_passages() -> None:
    from catalog.models import Product
    from retrieval.types import Passage

    row = Product(
        sku="D1",
        title="Desk Lamp",
        price=129.0,
        currency="CNY",
        stock=0,
        attributes={"power_w": 8, "colors": ["white", "black"]},
        translations={"zh": {"title": "台灯"}},
    )
    product = ProductFact.from_product(row)
    assert (product.title_zh, product.attributes["colors"]) == ("台灯", "white, black")
    passage = PassageFact.from_passage(
        Passage(
            "p1",
            "document",
            "Returns within 7 days.",
            "en",
            doc_path="returns.md",
            heading="Returns",
        )
    )
    assert passage.citation == "returns.md#Returns" and passage.sku is None
    facts = FactSet.build([product], [passage])
    assert verify_sentence("台灯售价129元，功率8W。", facts).sent
    assert verify_sentence("The desk lamp is out of stock.", facts).sent
    assert verify_sentence("It comes in black.", facts, "D1").sent
    assert verify_sentence("You can return it within 7 days.", facts, "D1").sent


RIDE_ON = FactSet.build(
    [ProductFact(sku="R1", title="Ride-on car")],
    [
        PassageFact("R1#qa", "it fits kids up to 42 inches tall.", "en", "R1"),
        PassageFact("R1#review", "my son is 22 months old and loves it.", "en", "R1"),
        PassageFact("R1#bullet", "the car weighs 20 lbs and is 36 inches tall.", "en", "R1"),
        PassageFact("R1#description", "载重30公斤，车身高度60厘米。", "zh", "R1"),
        PassageFact(
            "R1#spec", "battery: 7.2v 1800mah; the cup holder holds 0.5 liters.", "en", "R1"
        ),
    ],
)


@pytest.mark.parametrize(
    ("sentence", "sent"),
    [
        ("The weight limit for the rider is 42 inches.", False),  # a height, said as a weight
        ("The height of this car is 22 months old.", False),  # an age, said as a height
        ("The rider's age can be up to 42 inches.", False),
        ("车身高度30公斤。", False),
        ("The car weighs 20 lbs and is 36 inches tall.", True),  # each figure its own clause
        ("The height is 36 inches.", True),
        ("It fits kids up to 42 inches tall.", True),  # the measure word after the figure
        ("车身高度60厘米。", True),
        ("The capacity of the cup holder is 36 inches.", False),  # a capacity is no length
        ("The battery capacity is 1800 mAh.", True),
        ("The cup holder's capacity is 0.5 liters.", True),
        ("The weight capacity is 20 lbs.", True),
    ],
)
def test_a_figure_said_of_another_measure_is_dropped(sentence: str, sent: bool) -> None:
    verdict = verify_sentence(sentence, RIDE_ON, "R1")
    assert (verdict.text_to_send is not None) == sent, verdict.reason
    if not sent:
        assert "measures" in verdict.reason


PLAY_SET = FactSet.build(
    [ProductFact(sku="K1", title="Kitchen play set", attributes={"number_of_players": "2-6"})],
    [
        PassageFact("K1#bullet", "includes 2 molds and a spatula.", "en", "K1"),
        PassageFact("K1#review", "fits 3 adults in the tent with room to spare.", "en", "K1"),
        PassageFact("K1#description", "recommended for ages 4 years and up.", "en", "K1"),
        PassageFact("K1#attribute", 'total_eaches:  { value:"12" }', "en", "K1"),
        PassageFact("K1#qa", "fits ezgo txt 1995 - up golf cart models.", "en", "K1"),
        PassageFact("K1#zh", "共5种颜色可选，附送8个电池。", "zh", "K1"),
    ],
)


@pytest.mark.parametrize(
    ("sentence", "sent"),
    [
        ("It comes with 2 molds.", True),
        ("It comes with two molds.", True),
        ("It comes with 3 molds.", False),  # the figure is a count of adults
        ("It comes with 4 spatulas.", False),  # 4 is an age
        ("It is for kids 4 and up.", True),  # kids and ages meet
        ("Up to 6 players can play.", True),  # the attribute's key says what is counted
        ("Up to 6 people can play.", True),
        ("The box holds 12 eaches.", True),  # a scraped value: the whole fact says it
        ("It fits 1995 models.", True),  # the counted word is in the fact's next clause
        ("有5种颜色。", True),
        ("有8种颜色。", False),  # 8 counts batteries
        ("Order A-1 shipped on 2026-11-02.", False),  # a date is no count, and no fact has it
    ],
)
def test_a_bare_figure_needs_a_fact_that_counts_the_same_thing(sentence: str, sent: bool) -> None:
    verdict = verify_sentence(sentence, PLAY_SET, "K1")
    assert (verdict.text_to_send is not None) == sent, verdict.reason
    if not sent and "2026" not in sentence:
        assert "counts the same thing" in verdict.reason


@pytest.mark.parametrize(
    ("sentence", "sent"),
    [
        ("No problems with rust either.", True),  # "No" is the statement's own negation
        ("No rust problems so far.", True),
        ("It has problems with rust.", False),
        ("No, it has problems with rust.", False),  # "No" answers; the statement is wrong
        ("No it has had problems with rust.", False),
    ],
)
def test_no_before_a_noun_negates_the_statement_itself(sentence: str, sent: bool) -> None:
    facts = FactSet.build(
        [ProductFact("S1", title="Sandbox")],
        [PassageFact("S1#review", "no problems with rust either.", "en", "S1")],
    )
    verdict = verify_sentence(sentence, facts, "S1")
    assert verdict.sent == sent, verdict.reason
