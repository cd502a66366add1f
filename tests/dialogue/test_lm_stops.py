"""Stop strings cut a streamed reply wherever the deltas happen to split it."""

from __future__ import annotations

import itertools

from hypothesis import given
from hypothesis import strategies as st

from dialogue.lm.stops import StopFilter


def run(deltas: list[str], stops: tuple[str, ...]) -> tuple[list[str], bool]:
    f = StopFilter(stops)
    out = [f.feed(d) for d in deltas]
    out.append(f.flush())
    return out, f.stopped


def test_cuts_before_a_stop_split_across_deltas() -> None:
    out, stopped = run(["Hello <|", "end", "|> never shown"], ("<|end|>",))
    assert "".join(out) == "Hello "
    assert stopped


def test_holds_back_only_what_could_start_a_stop() -> None:
    f = StopFilter(("\nUser:",))
    assert f.feed("价格是 99 元。\n") == "价格是 99 元。"
    assert f.feed("Use this coupon") == "\nUse this coupon"
    assert f.flush() == ""


def test_no_stops_passes_everything_through() -> None:
    out, stopped = run(["a", "b"], ())
    assert "".join(out) == "ab"
    assert not stopped


def test_a_longer_stop_begun_earlier_wins() -> None:
    out, stopped = run(["|b", "<"], ("b", "|b<"))
    assert "".join(out) == ""
    assert stopped
    out, stopped = run(["|b", "x"], ("b", "|b<"))  # the longer one never completes
    assert "".join(out) == "|"
    assert stopped


def test_nothing_after_the_stop() -> None:
    f = StopFilter(("。",))
    assert f.feed("好的。谢谢") == "好的"
    assert f.feed("more") == ""
    assert f.flush() == ""


@given(
    text=st.text(alphabet="ab。\n<|>x", max_size=40),
    cuts=st.lists(st.integers(min_value=0, max_value=40), max_size=8),
    stops=st.lists(st.text(alphabet="ab。\n<|>", min_size=1, max_size=4), max_size=3),
)
def test_any_split_gives_the_text_up_to_the_first_stop(
    text: str, cuts: list[int], stops: list[str]
) -> None:
    bounds = sorted({0, len(text), *(min(c, len(text)) for c in cuts)})
    deltas = [text[a:b] for a, b in itertools.pairwise(bounds)]
    hits = [i for i in (text.find(s) for s in stops) if i >= 0]
    expected = text[: min(hits)] if hits else text
    out, stopped = run(deltas, tuple(stops))
    assert "".join(out) == expected
    assert stopped == bool(hits)
