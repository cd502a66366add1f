"""What a bare number counts: the words around it, for matching a figure with its fact.

A bare figure ("2 molds", "ages three and up", "三种颜色") is only supported by the
same figure in a fact that counts the same thing. Without this, "it comes with 2
molds" passes on another product's "fits 2 adults": the figure is in the facts,
the thing counted is not. Words are compared loosely (their first four letters, so
"photograph" meets "photo" and "colour" meets "color"), and the few words shoppers
use for ages, children and people meet their synonyms.
"""

from __future__ import annotations

import re

from dialogue.verify.numerals import parse_en_number
from dialogue.verify.text import clause_bounds, content_tokens, word_key

# Words that go with any count: they say nothing about what is counted.
_GENERIC_WORDS = (
    "come include contain has have use need make get fit work recommend good great "
    "product item set it this these can will would should about around approximately "
    "up least most max maximum minimum total only piece pcs"
)
_GENERIC = frozenset(word_key(w) for w in _GENERIC_WORDS.split())
_SYNONYMS = {
    word: cls
    for cls, words in {
        # a figure said of children is nearly always their age: "for kids 3 and up"
        "<age>": "age aged year yr old month mo kid child children toddler boy girl baby",
        "<person>": "people person player adult rider user",
    }.items()
    for word in words.split()
}


# A date or a time of day counts nothing: "shipped on 2026-11-02" is checked whole.
_DATE_OR_TIME = re.compile(
    r"\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{1,2}[/.]\d{1,2}[/.]\d{2,4}|\d{1,2}:\d{2}"
    r"|\d{4}年\d{1,2}月(?:\d{1,2}日)?|\d{1,2}月\d{1,2}日"
)


def _key(token: str) -> str:
    if token in _SYNONYMS:
        return _SYNONYMS[token]
    return token[:4] if token.isascii() and token.isalpha() else token


def counted_words(text: str) -> frozenset[str]:
    """Content words of `text` as compared here; figures and generic words left out."""
    out: set[str] = set()
    for token in content_tokens(text):
        if any(ch.isdigit() for ch in token) or parse_en_number(token) is not None:
            continue
        if word_key(token) not in _GENERIC:
            out.add(_key(token))
    return frozenset(out)


def claim_context(folded: str, start: int, end: int) -> frozenset[str]:
    """What the sentence's figure at folded[start:end] counts: the rest of its clause.

    Empty (nothing to match) for a figure inside a date or a time of day.
    """
    if any(m.start() <= start and end <= m.end() for m in _DATE_OR_TIME.finditer(folded)):
        return frozenset()
    left, right = clause_bounds(folded, start, end)
    return counted_words(f"{folded[left:start]} {folded[end:right]}")


def fact_context(folded: str, start: int, end: int) -> frozenset[str]:
    """What a fact's figure counts: its clause and the next ("fits 1995 - up models").

    A clause too short to say (a scraped `{ value:"8" }`) falls back to the whole fact.
    """
    left, right = clause_bounds(folded, start, end)
    if right < len(folded):
        _, right = clause_bounds(folded, right + 1, right + 1)
    words = counted_words(f"{folded[left:start]} {folded[end:right]}")
    return words if len(words) >= 2 else counted_words(folded)
