"""Cutting streamed Chinese and English text into sentences as it arrives."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from dialogue.verify import SentenceStream, split_sentences

CASES = [
    (
        "你好！这款充电宝售价299元。库存3件？好的",
        ["你好！", "这款充电宝售价299元。", "库存3件？", "好的"],
    ),
    ("It costs $3.5 today. It is red.", ["It costs $3.5 today.", "It is red."]),
    (
        "E.g. the red one is cheaper, i.e. ¥199. Thanks!",
        ["E.g. the red one is cheaper, i.e. ¥199.", "Thanks!"],
    ),
    (
        "See https://shop.example/p/A1.html now. Bye.",
        ["See https://shop.example/p/A1.html now.", "Bye."],
    ),
    ("No. It is not waterproof.", ["No.", "It is not waterproof."]),
    ("Item No. 5 is here.", ["Item No. 5 is here."]),
    ("Mr. Li will call.", ["Mr. Li will call."]),
    ("1. First step\n2. Second step", ["1. First step", "2. Second step"]),
    ("Wow!! Really?! Yes.", ["Wow!!", "Really?!", "Yes."]),
    ("他说：“好的。”然后走了。", ["他说：“好的。”", "然后走了。"]),
    ("It's 12.5 cm... okay", ["It's 12.5 cm...", "okay"]),
    ("价格：¥299\n库存：3件", ["价格：¥299", "库存：3件"]),
    ("   ", []),
    # a short form ends a sentence only before a capital
    ("Holds 14.9 cu. ft. balloons can be filled.", ["Holds 14.9 cu. ft. balloons can be filled."]),
    ("Pens, markers, etc. are included.", ["Pens, markers, etc. are included."]),
    ("It is 5 ft. It weighs 3 lbs.", ["It is 5 ft.", "It weighs 3 lbs."]),
]


def test_split_sentences() -> None:
    for text, expected in CASES:
        assert split_sentences(text) == expected, text


def test_stream_waits_for_the_character_that_decides() -> None:
    stream = SentenceStream()
    assert stream.feed("It costs 3.") == []  # 3.5 or the end of a sentence?
    assert stream.feed("5 yuan. Next") == ["It costs 3.5 yuan."]
    assert stream.pending == " Next"
    assert stream.feed("。") == []  # a closing quote may follow
    assert stream.feed("好") == ["Next。"]
    assert stream.flush() == ["好"]
    assert stream.flush() == []


def test_stream_waits_after_a_short_form() -> None:
    stream = SentenceStream()
    assert stream.feed("It is 5 ft.") == []
    assert stream.feed(" ") == []  # "ft. tall" or a new sentence?
    assert stream.feed("tall. It") == ["It is 5 ft. tall."]


def test_a_run_on_sentence_is_cut_at_a_comma() -> None:
    text = "这款产品，" * 100
    pieces = split_sentences(text, max_chars=50)
    assert all(len(p) <= 50 for p in pieces)
    assert "".join(pieces) == text.strip()


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            [
                "It costs ¥3.5. ",
                "e.g. ",
                "No. 5 ",
                "好的。",
                "”",
                "真的吗？",
                "Yes!",
                "\n",
                "https://a.example/p?id=3 ",
                "1. ",
                "okay",
                "...",
                " ",
                "Mr. Li",
                "299元",
            ]
        ),
        max_size=12,
    ),
    st.data(),
)
def test_chunking_never_changes_the_sentences(parts: list[str], data: st.DataObject) -> None:
    text = "".join(parts)
    cuts = sorted(data.draw(st.lists(st.integers(0, len(text)), max_size=8)))
    stream = SentenceStream()
    out: list[str] = []
    for a, b in zip([0, *cuts], [*cuts, len(text)], strict=True):
        out += stream.feed(text[a:b])
    out += stream.flush()
    assert out == split_sentences(text)
    assert "".join(out).replace(" ", "").replace("\n", "") == text.replace(" ", "").replace(
        "\n", ""
    )


def test_garbled_model_output_is_never_sent() -> None:
    from dialogue.verify import FactSet
    from dialogue.verify.verifier import is_garbled, verify_sentence

    for text in ("�� 帮����炨H喋p", "#$%^&*()!@#", "ok\x07\x08 then"):
        assert is_garbled(text)
        assert verify_sentence(text, FactSet()).text_to_send is None
    for text in ("Price: ¥899.", "它的价格是 899 元。", "Yes!", "It's 25 cm × 10 cm."):
        assert not is_garbled(text)
