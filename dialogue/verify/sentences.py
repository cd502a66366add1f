"""Sentence boundaries in streamed Chinese and English text.

The verifier checks whole sentences, so generated text is cut as it arrives:
after 。！？, after ! ? . followed by a space, and at line breaks. A full stop
inside a number (3.5), a URL (shop.example/p), an abbreviation (e.g., Mr.) or
a list marker ("1. ") is not an end. When the next character decides, the
stream waits for it, so the cut never depends on how the text was chunked.
"""

from __future__ import annotations

import re

from dialogue.verify.text import CJK

_CJK_END = "。！？"
_ASCII_END = "!?"
_CLOSERS = "\"'”’」』）)】]》"
# Words whose full stop never ends a sentence ("e.g. the red one", "Mr. Li").
_ABBREVIATIONS_TEXT = (
    "e.g eg i.e ie mr mrs ms dr prof vs st jr sr approx fig cf al inc ltd co dept est"
)
_ABBREVIATIONS = frozenset(_ABBREVIATIONS_TEXT.split())
# Short forms that also end sentences ("It is 5 ft."), so they end one only before what
# is not a lower-case word: "holds 14.9 cu. ft. of air", "pens, etc. are included".
# Joining two sentences by mistake makes both answer for each other; cutting one in two
# would send a fragment ("ft. of air") on its own.
_SHORT_FORMS_TEXT = "cu ft oz lb lbs pcs qt gal yd sq hrs mph etc"
_SHORT_FORMS = frozenset(_SHORT_FORMS_TEXT.split())
_CJK_CHAR = re.compile(f"[{CJK}]")
_WORD_BEFORE = re.compile(r"([A-Za-z][A-Za-z.]*|\d+)$")

DEFAULT_MAX_CHARS = 400


def find_boundary(buf: str, final: bool, max_chars: int = DEFAULT_MAX_CHARS) -> int | None:
    """The end of the first complete sentence in `buf`, or None if it is not known yet."""
    n = len(buf)
    i = 0
    while i < n:
        c = buf[i]
        if c == "\n":
            return i + 1
        if c in _CJK_END or c in _ASCII_END or c == "." or c == "…":
            end = _run_end(buf, i)
            if end == n and not final:
                return None  # a closing quote or another "!" may still come
            decided = True if c in _CJK_END or c == "…" else _ends_sentence(buf, i, end, final)
            if decided is None:
                return None
            if decided:
                return end
            i = end
            continue
        if i >= max_chars:
            return _soft_cut(buf, max_chars)
        i += 1
    return None


def _run_end(buf: str, i: int) -> int:
    """Past a run of end marks and closing quotes: "?!", "...", "。」"."""
    j = i + 1
    while j < len(buf) and (buf[j] in _CJK_END + _ASCII_END + ".…" or buf[j] in _CLOSERS):
        j += 1
    return j


def _ends_sentence(buf: str, i: int, end: int, final: bool) -> bool | None:
    """Whether "!", "?" or "." at i (run ending at `end`) closes the sentence; None: wait."""
    nxt = buf[end] if end < len(buf) else ""
    if nxt and not (nxt.isspace() or _CJK_CHAR.match(nxt)):
        return False  # 3.5, shop.example/p, "?id=3": the mark is inside a token
    if buf[i] != "." or end - i > 1:
        return True
    word_match = _WORD_BEFORE.search(buf, 0, i)
    word = word_match.group(1) if word_match else ""
    lowered = word.lower()
    if lowered in _ABBREVIATIONS or ("." in lowered and len(lowered) <= 6):
        return False
    if lowered in _SHORT_FORMS:
        rest = buf[end:].lstrip()
        if not rest and not final:
            return None
        if rest[:1].isascii() and rest[:1].islower():
            return False
    if lowered == "no":
        rest = buf[end:]
        if not rest.strip() and not final:
            return None
        if re.match(r"\s*\d", rest):
            return False  # "No. 5"
    if word.isdigit():
        line_start = buf.rfind("\n", 0, i) + 1
        if not buf[line_start : i - len(word)].strip():
            return False  # "1. First step": a list marker
    return True


def _soft_cut(buf: str, max_chars: int) -> int:
    """A sentence that runs on: cut after the last comma or space before the limit."""
    window = buf[:max_chars]
    for mark in ("，", ",", "；", ";", "、", " "):
        pos = window.rfind(mark)
        if pos > max_chars // 2:
            return pos + 1
    return max_chars


class SentenceStream:
    """Feed text deltas, get back complete sentences; `flush` at the end returns the rest."""

    def __init__(self, max_chars: int = DEFAULT_MAX_CHARS) -> None:
        self._buf = ""
        self._max_chars = max_chars

    def feed(self, delta: str) -> list[str]:
        self._buf += delta
        return self._drain(final=False)

    def flush(self) -> list[str]:
        return self._drain(final=True)

    @property
    def pending(self) -> str:
        """Text received but not yet part of a complete sentence."""
        return self._buf

    def _drain(self, final: bool) -> list[str]:
        out: list[str] = []
        while True:
            cut = find_boundary(self._buf, final, self._max_chars)
            if cut is None:
                break
            sentence, self._buf = self._buf[:cut].strip(), self._buf[cut:]
            if sentence:
                out.append(sentence)
        if final:
            rest, self._buf = self._buf.strip(), ""
            if rest:
                out.append(rest)
        return out


def split_sentences(text: str, max_chars: int = DEFAULT_MAX_CHARS) -> list[str]:
    stream = SentenceStream(max_chars)
    return stream.feed(text) + stream.flush()
