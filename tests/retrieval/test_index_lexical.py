"""Tokeniser and BM25: both languages, scoring against a plain formula, updates, state."""

from __future__ import annotations

import math
import random

import numpy as np
import pytest

from retrieval.errors import IndexCorrupt
from retrieval.lexical import BM25Index
from retrieval.tokenize import detect_lang, fold_english, tokenize


def test_chinese_is_segmented_into_words_and_subwords() -> None:
    tokens = tokenize("多乐士墙面底漆套装")
    assert {"墙面", "底漆"} <= set(tokens)
    assert tokenize("墙面底漆") == ["墙面", "底漆"]


def test_chinese_particles_are_dropped() -> None:
    tokens = tokenize("这款吸尘器有没有保修？")
    assert "吸尘器" in tokens and "保修" in tokens
    assert not {"有没有", "吗", "的"} & set(tokens)


def test_english_is_lowercased_split_folded_and_stopworded() -> None:
    assert tokenize("Does this kit come with Batteries? FRS20 boxes, 12-in") == [
        "kit", "come", "battery", "frs20", "box", "12",
    ]  # fmt: skip
    assert tokenize("Ｗｉｄｔｈ") == ["width"]  # full-width letters are NFKC-folded


@pytest.mark.parametrize(
    ("word", "folded"),
    [("batteries", "battery"), ("glasses", "glass"), ("watches", "watch"), ("cables", "cable"),
     ("bus", "bus"), ("series", "sery"), ("this", "this"), ("gas", "gas"), ("2000s", "2000")],
)  # fmt: skip
def test_plural_folding(word: str, folded: str) -> None:
    assert fold_english(word) == folded


def test_mixed_text_keeps_both_scripts() -> None:
    tokens = set(tokenize("蓝牙耳机 bluetooth headphones"))
    assert tokens >= {"蓝牙", "耳机", "bluetooth", "headphone"}
    assert detect_lang("蓝牙耳机 bluetooth") == "zh"
    assert detect_lang("bluetooth") == "en"


def _naive_bm25(
    docs: dict[int, list[str]], query: list[str], k1: float, b: float
) -> dict[int, float]:
    n = len(docs)
    avg = sum(len(d) for d in docs.values()) / n
    scores: dict[int, float] = {}
    for term in set(query):
        df = sum(1 for d in docs.values() if term in d)
        if not df:
            continue
        idf = math.log(1 + (n - df + 0.5) / (df + 0.5))
        for row, doc in docs.items():
            tf = doc.count(term)
            if tf:
                norm = k1 * (1 - b + b * len(doc) / avg)
                scores[row] = scores.get(row, 0.0) + idf * tf * (k1 + 1) / (tf + norm)
    return scores


def _check(index: BM25Index, docs: dict[int, list[str]], query: list[str]) -> None:
    got = index.scores(query)
    want = _naive_bm25(docs, query, index.k1, index.b)
    if got is None:
        assert not want
        return
    for row in range(len(got)):
        assert got[row] == pytest.approx(want.get(row, 0.0), rel=1e-5, abs=1e-9)


def test_scores_match_the_formula_through_adds_removes_and_compaction() -> None:
    rng = random.Random(7)
    vocab = [f"w{i}" for i in range(30)]
    docs = {row: [rng.choice(vocab) for _ in range(rng.randint(1, 12))] for row in range(60)}
    index = BM25Index()
    index.add(list(range(30)), [docs[r] for r in range(30)])
    live = {r: docs[r] for r in range(30)}
    _check(index, live, ["w1", "w2", "w3"])
    index.add(list(range(30, 60)), [docs[r] for r in range(30, 60)])  # into the delta
    live.update({r: docs[r] for r in range(30, 60)})
    _check(index, live, ["w4", "w5", "w4"])
    index.remove([3, 10, 45])
    for r in (3, 10, 45):
        del live[r]
    _check(index, live, ["w1", "w7"])
    index.compact()
    _check(index, live, ["w1", "w7", "w29"])
    assert index.n_alive == 57


def test_removed_rows_score_nothing_and_unknown_terms_give_none() -> None:
    index = BM25Index()
    index.add([0, 1], [["red", "shoe"], ["blue", "shoe"]])
    index.remove([0])
    scores = index.scores(["red", "shoe"])
    assert scores is not None and scores[0] == 0 and scores[1] > 0
    assert index.scores(["purple"]) is None


def test_a_scope_scores_its_rows_only_with_idf_counted_among_them() -> None:
    docs = {0: ["kettle", "steel"], 1: ["kettle", "lid"], 2: ["steel", "pan"], 3: ["steel", "pot"]}
    index = BM25Index()
    index.add(list(docs), list(docs.values()))
    scope = np.array([True, True, False, False])
    scores = index.scores(["kettle", "steel"], scope)
    assert scores is not None and scores[2] == scores[3] == 0
    avg = sum(len(d) for d in docs.values()) / len(docs)  # length stays catalog-wide

    def term(df: int, n: int, length: int) -> float:
        idf = math.log(1 + (n - df + 0.5) / (df + 0.5))
        return idf * 2.2 / (1 + 1.2 * (0.25 + 0.75 * length / avg))

    assert scores[0] == pytest.approx(term(2, 2, 2) + term(1, 2, 2))
    assert scores[1] == pytest.approx(term(2, 2, 2))
    unscoped = index.scores(["kettle", "steel"])
    assert unscoped is not None and unscoped[0] == pytest.approx(term(2, 4, 2) + term(3, 4, 2))
    assert index.scores(["pan"], scope) is None  # no searched row holds the term
    assert index.scores(["kettle"], np.zeros(4, dtype=bool)) is None


def test_adding_a_live_row_twice_is_refused() -> None:
    index = BM25Index()
    index.add([0], [["a"]])
    with pytest.raises(ValueError):
        index.add([0], [["b"]])


def test_compaction_renumbers_rows() -> None:
    index = BM25Index()
    index.add([0, 1, 2], [["a", "b"], ["b"], ["a", "c"]])
    index.remove([1])
    index.compact(mapping=np.array([0, -1, 1]))
    scores = index.scores(["a", "c"])
    assert scores is not None and len(scores) == 2
    assert scores[1] > scores[0] > 0


def test_state_round_trip_gives_identical_scores() -> None:
    index = BM25Index(k1=1.1, b=0.6)
    index.add([0, 1, 2], [["耳机", "蓝牙"], ["shoe", "red"], ["耳机", "降噪"]])
    index.remove([1])
    arrays, terms = index.to_state()
    again = BM25Index.from_state(arrays, terms, k1=1.1, b=0.6)
    before, after = index.scores(["耳机", "降噪"]), again.scores(["耳机", "降噪"])
    assert before is not None and after is not None
    np.testing.assert_allclose(before, after)
    assert again.n_alive == 2


def test_inconsistent_state_is_corrupt() -> None:
    index = BM25Index()
    index.add([0], [["a", "b"]])
    arrays, terms = index.to_state()
    with pytest.raises(IndexCorrupt):
        BM25Index.from_state(arrays, [*terms, "extra"])
    broken = dict(arrays)
    del broken["docs"]
    with pytest.raises(IndexCorrupt):
        BM25Index.from_state(broken, terms)
