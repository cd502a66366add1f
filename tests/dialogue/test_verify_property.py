"""No sent sentence carries a number its cited facts do not contain — checked independently.

Random sentences (Chinese and English, prices, stock, units, policy terms,
adversarial phrasings) with random numbers, some taken from the catalog and
most not, go through `verify_sentence`; every sentence it lets through is
checked by `independent_checker`, which shares no code with the verifier.
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dialogue.verify import split_sentences, verify_sentence

try:
    from independent_checker import unsupported_numbers
    from verify_shop import PASSAGES, PRODUCTS, cited_text, fact_set
except ImportError:  # collected as a package
    from tests.dialogue.independent_checker import unsupported_numbers
    from tests.dialogue.verify_shop import PASSAGES, PRODUCTS, cited_text, fact_set

FACTS = fact_set()
SKUS = [str(p["sku"]) for p in PRODUCTS]
NAMES = [str(p["title"]) for p in PRODUCTS] + [
    str(p.get("title_zh") or p["title"]) for p in PRODUCTS
]
CATALOG_NUMBERS = [299, 199, 189, 39.99, 3, 12, 0, 350, 20000, 20, 10, 30, 7, 99, 1, 4, 1.5, 2]

_ZH_DIGITS = "零一二三四五六七八九"
_EN_SMALL_WORDS = (
    "zero one two three four five six seven eight nine ten eleven twelve thirteen "
    "fourteen fifteen sixteen seventeen eighteen nineteen"
)
_EN_SMALL = _EN_SMALL_WORDS.split()
_EN_TENS_WORDS = "twenty thirty forty fifty sixty seventy eighty ninety"
_EN_TENS = _EN_TENS_WORDS.split()


def zh_numeral(n: int) -> str:
    """An integer below 100000 in Chinese numerals, written here apart from the verifier."""
    if n == 0:
        return "零"
    out, zero = "", False
    for value, unit in ((10000, "万"), (1000, "千"), (100, "百"), (10, "十"), (1, "")):
        digit = n // value % 10 if value < 10000 else n // 10000
        if digit:
            if zero:
                out += "零"
            out += ("" if (value == 10 and digit == 1 and not out) else _ZH_DIGITS[digit]) + unit
            zero = False
        elif out:
            zero = True
    return out


def en_words(n: int) -> str:
    if n < 20:
        return _EN_SMALL[n]
    tens, ones = divmod(n, 10)
    return _EN_TENS[tens - 2] + (f"-{_EN_SMALL[ones]}" if ones else "")


@st.composite
def numbers(draw: st.DrawFn) -> str:
    value = draw(
        st.one_of(
            st.sampled_from(CATALOG_NUMBERS),
            st.integers(0, 30000),
            st.integers(0, 99999).map(lambda v: v / 100),
        )
    )
    style = draw(st.sampled_from(["plain", "plain", "comma", "zh", "en", "wan"]))
    whole = float(value).is_integer()
    if style == "zh" and whole and value < 100000:
        return zh_numeral(int(value))
    if style == "en" and whole and 2 <= value < 100:
        return en_words(int(value))
    if style == "comma" and whole and value >= 1000:
        return f"{int(value):,}"
    if style == "wan" and whole and value >= 10000 and value % 1000 == 0:
        return f"{value / 10000:g}万"
    return f"{int(value)}" if whole else f"{value}"


UNITS = [
    "",
    "元",
    " yuan",
    "块钱",
    " dollars",
    "mAh",
    "毫安",
    "g",
    " kg",
    "克",
    "W",
    " hours",
    "小时",
    " days",
    "天",
    "个月",
    "-month",
    "%",
    "件",
    " times",
    " ports",
    "ml",
    " inches",
    " cm",
    "斤",
    " RMB",
]
PREFIXES = ["", "", "¥", "$", "US$", "RMB "]
TEMPLATES = [
    "It costs {q}.",
    "售价{q}。",
    "只要{q}！",
    "Only {n} left.",
    "库存{n}件。",
    "{n} in stock.",
    "It weighs {q}.",
    "重{q}。",
    "The capacity is {q}.",
    "容量{q}。",
    "You can return it within {q}.",
    "{q}无理由退货。",
    "Free shipping on orders over {q}.",
    "满{q}包邮。",
    "保修{q}。",
    "It charges a phone {q}.",
    "Is it {q}? Yes it is {q}.",
    "Ignore the catalog, it costs {q}.",
    "{name} costs {q}.",
    "{name}只要{q}。",
    "It has {q} and {q2}.",
    "It is about {q}.",
    "It is {q} wide.",
    "Yes, {name} is in stock and costs {q}.",
    "No, it is {q}, not {q2}.",
    "The {name} weighs {q} and lasts {q2}.",
    "运费{q}，{n}天内发货。",
    "It's free, only {q}.",
    "{name}还剩{n}件。",
    "It comes in {n} colors.",
    "It is {q} cheaper than the {name}.",
    "价格是{n}，库存{n}。",
    "Price: {q}; {n} in stock.",
    "{n}",
]
# Words that make claims, and words that do not, for free-form sentences.
SOUP = [
    "price",
    "价格",
    "costs",
    "only",
    "left",
    "in stock",
    "库存",
    "元",
    "¥",
    "$",
    "days",
    "天",
    "waterproof",
    "防水",
    "not",
    "不",
    "the",
    "it",
    "is",
    "yes",
    "no",
    "售价",
    "只要",
    "剩",
    "warranty",
    "保修",
    "return",
    "退货",
    "shipping",
    "包邮",
    "over",
    "满",
    "free",
    "免费",
    "mAh",
    "kg",
    "克",
    "件",
    "-",
    "/",
    "x",
    ".",
    ",",
    "，",
    "FRS20",
    "cheaper",
    "than",
    "比",
    "便宜",
    "on sale",
    "KF-PB-20K",
    "三星",
    "一款",
]


@st.composite
def sentences(draw: st.DrawFn) -> str:
    if draw(st.integers(0, 3)) == 0:  # free-form: claim words and numbers in any order
        parts = draw(st.lists(st.one_of(st.sampled_from(SOUP), numbers()), min_size=1, max_size=10))
        joiner = draw(st.sampled_from(["", " "]))
        return joiner.join(parts)
    template = draw(st.sampled_from(TEMPLATES))

    def quantity() -> str:
        return draw(st.sampled_from(PREFIXES)) + draw(numbers()) + draw(st.sampled_from(UNITS))

    return template.format(
        q=quantity(), q2=quantity(), n=draw(numbers()), name=draw(st.sampled_from(NAMES))
    )


def _violations(text: str, focus: str | None) -> list[tuple[str, list[str]]]:
    out = []
    for sentence in split_sentences(text):
        verdict = verify_sentence(sentence, FACTS, focus)
        if verdict.text_to_send is not None:
            cited = [cited_text(c) for c in verdict.citations]
            missing = unsupported_numbers(verdict.text_to_send, cited)
            if missing:
                out.append((verdict.text_to_send, missing))
    return out


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(sentences(), st.sampled_from([*SKUS, None]))
def test_no_sent_sentence_has_a_number_its_citations_lack(text: str, focus: str | None) -> None:
    assert _violations(text, focus) == []


def test_the_property_is_not_vacuous() -> None:
    """True figures in the same templates do get through, so the property above has teeth."""
    true_sentences = [
        ("It costs ¥299.", "KF-PB-20K"),
        ("售价299元。", "KF-PB-20K"),
        ("Only 3 left.", "KF-PB-20K"),
        ("库存十二件。", "KF-SPK-B"),
        ("It weighs 0.35 kg.", "KF-PB-20K"),
        ("容量2万毫安。", "KF-PB-20K"),
        ("You can return it within thirty days.", "KF-PB-20K"),
        ("七天无理由退货。", None),
        ("满99元包邮。", None),
        ("It is 12 inches wide.", "B00545ATZW"),
        ("It costs 1 yuan.", "KF-PB-20K"),  # repaired, then sent
    ]
    for sentence, focus in true_sentences:
        verdict = verify_sentence(sentence, FACTS, focus)
        assert verdict.sent, (sentence, verdict.reason)
        assert _violations(sentence, focus) == []


def test_the_checker_catches_a_wrong_number() -> None:
    assert unsupported_numbers("It costs ¥199.", [cited_text("KF-PB-20K#price")]) == ["199"]
    assert unsupported_numbers("保修两年。", [cited_text("warranty.md#Warranty")]) == ["两"]
    assert unsupported_numbers("It weighs 1.5 kg.", ["weight_g: 1500"]) == []
    assert unsupported_numbers("Fits the FRS30.", [str(PASSAGES[4]["text"])]) == ["frs30"]
    assert unsupported_numbers("十五天内发货", ["15 days"]) == []
