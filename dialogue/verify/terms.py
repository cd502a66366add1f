"""Yes/no terms: where they occur, and whether the text around them negates them.

The same functions read the model's sentence and the facts, so "不防水" in a
sentence and "waterproof: no" or "Q: waterproof? A: no" in the facts meet.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache

from dialogue.verify.lexicon import (
    EN_NEGATION_WINDOW,
    EN_NEGATIONS,
    NOT_NEGATIONS_RE,
    ZH_NEGATION_RE,
    ZH_NEGATION_WINDOW,
    Term,
)
from dialogue.verify.text import clause_bounds

_WORD_RE = re.compile(r"[a-z]+(?:n't)?|can't|won't")
_QA_RE = re.compile(r"^\s*q\s*[:：](?P<q>.*?)\ba\s*[:：]\s*(?P<a>.*)$", re.DOTALL)
_YES_RE = re.compile(
    r"(?:yes|yeah|yep|yup|it is|it does|it can|correct|sure|definitely)\b|是|可以|能|有|支持"
)
_NO_RE = re.compile(r"(?:no|nope|not|it is not|it isn't|it doesn't|it does not)\b|不|否|没|无")


@lru_cache(maxsize=4096)
def _form_re(form: str) -> re.Pattern[str]:
    if form.isascii():
        return re.compile(rf"(?<![a-z0-9]){re.escape(form.lower())}(?![a-z0-9])")
    return re.compile(re.escape(form.lower()))


def occurrences(folded: str, term: Term) -> Iterator[tuple[int, int]]:
    for form in term.forms:
        for m in _form_re(form).finditer(folded):
            yield m.start(), m.end()


class TermIndex:
    """All terms of a turn in one pattern: one scan of a sentence finds every term in it."""

    def __init__(self, terms: tuple[Term, ...]) -> None:
        self.by_form: dict[str, Term] = {}
        for term in terms:
            for form in term.forms:
                self.by_form.setdefault(form.lower(), term)
        forms = sorted(self.by_form, key=len, reverse=True)  # longest first at one position
        alternatives = [
            rf"(?<![a-z0-9]){re.escape(f)}(?![a-z0-9])" if f.isascii() else re.escape(f)
            for f in forms
        ]
        self._pattern = re.compile("|".join(alternatives)) if alternatives else None

    def find(self, folded: str) -> list[tuple[int, int, Term]]:
        if self._pattern is None:
            return []
        return [
            (m.start(), m.end(), self.by_form[m.group()]) for m in self._pattern.finditer(folded)
        ]


def negated(folded: str, start: int) -> bool:
    """A negation in the few words (or characters) before `start`, inside its clause."""
    clause_start, _ = clause_bounds(folded, start, start)
    window = NOT_NEGATIONS_RE.sub(lambda m: " " * len(m.group()), folded[clause_start:start])
    if ZH_NEGATION_RE.search(window[-ZH_NEGATION_WINDOW:]):
        return True
    words = _WORD_RE.findall(window)[-EN_NEGATION_WINDOW:]
    return any(w in EN_NEGATIONS or w.endswith("n't") for w in words)


def polarity_in(folded: str, start: int) -> bool:
    """Whether the text asserts the term at `start`: Q&A answers decide for their question."""
    qa = _QA_RE.match(folded)
    if qa and qa.start("q") <= start < qa.end("q"):
        answer = qa.group("a").strip()
        if _NO_RE.match(answer):
            return False
        if _YES_RE.match(answer):
            return not negated(folded, start)
    return not negated(folded, start)
