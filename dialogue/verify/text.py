"""Text helpers shared by the verifier: same-length folding, language, clauses, tokens.

Every helper that rewrites text keeps its length, so a span found in the folded
text is the same span in the sentence the language model wrote.
"""

from __future__ import annotations

import itertools
import re
from typing import Literal

Lang = Literal["zh", "en"]

# Fullwidth ASCII (０-９, Ａ-Ｚ, ！, ？ ...) to ASCII, one character for one.
_FULLWIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)}
_FULLWIDTH[0x3000] = ord(" ")
# Keep the fullwidth yuan sign apart from "$": it is its own currency symbol.
_FULLWIDTH[0xFFE5] = ord("¥")

CJK = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_CJK_RE = re.compile(f"[{CJK}]")
_LATIN_RE = re.compile(r"[A-Za-z]")
# Clause boundaries: a claim's cue words (price, negation, policy topic) must share its clause.
CLAUSE_BREAK = re.compile(
    r"[,;:!?。，；：！？、\n()（）]|\s-\s|\bbut\b|\band\b|但是?|而且|并且|以及"
)

_EN_WORD = re.compile(r"[a-z][a-z0-9'-]*|[0-9]+(?:\.[0-9]+)?")
_CJK_RUN = re.compile(f"[{CJK}]+")
_NAME_TOKEN = re.compile(rf"[a-z0-9]+|[{CJK}]")

_EN_STOPWORDS_TEXT = (
    "a an the is are was were be been being it its it's this that these those of to in on "
    "for with as at by from and or but if then so than too very can could will would "
    "should do does did doesn't don't i you he she we they me my your our their them his "
    "her what which who whom how when where why there here yes no not have has had having "
    "just only also any some such about into over under up down out more most much many "
    "one ones get got use used product item please thanks thank hi hello"
)
EN_STOPWORDS = frozenset(_EN_STOPWORDS_TEXT.split())
ZH_STOPCHARS = frozenset("的了吗呢吧啊是在有和与及或也都就还而这那个些我你您他她它们请问")


# A web address in prose: "https://shop.example/p/KF-1", "www.shop.example".
LINK_RE = re.compile(r"(?:https?://|www\.)[^\s<>\"'，。；！？）】]+", re.IGNORECASE)


def normalise_link(link: str) -> str:
    """One form per address: no scheme, no "www.", no trailing slash or punctuation."""
    link = link.rstrip(".,;:!?)]}'\"").casefold()
    link = re.sub(r"^https?://", "", link)
    return link.removeprefix("www.").rstrip("/")


def narrow(text: str) -> str:
    """Fullwidth to ASCII, one character for one (spans stay valid)."""
    return text.translate(_FULLWIDTH)


def fold(text: str) -> str:
    """Fullwidth to ASCII and lower case, one character for one (spans stay valid)."""
    narrowed = narrow(text)
    lowered = narrowed.lower()
    if len(lowered) == len(narrowed):
        return lowered
    # a few characters lower-case into two ("İ"): keep those as they are
    return "".join(c.lower() if len(c.lower()) == 1 else c for c in narrowed)


def name_tokens(text: str) -> list[tuple[str, int, int]]:
    """Words and single CJK characters with their spans, for matching product names."""
    return [(m.group(), m.start(), m.end()) for m in _NAME_TOKEN.finditer(fold(text))]


def has_cjk(text: str) -> bool:
    return _CJK_RE.search(text) is not None


def detect_lang(text: str, default: Lang = "en") -> Lang:
    """Chinese when the text has more CJK characters than Latin letters."""
    cjk = len(_CJK_RE.findall(text))
    latin = len(_LATIN_RE.findall(text))
    if cjk == 0 and latin == 0:
        return default
    return "zh" if cjk >= latin / 4 and cjk > 0 else "en"


def clause_bounds(text: str, start: int, end: int) -> tuple[int, int]:
    """The clause around text[start:end]: from the previous clause break to the next one."""
    left = 0
    for m in CLAUSE_BREAK.finditer(text, 0, start):
        left = m.end()
    right_match = CLAUSE_BREAK.search(text, end)
    right = right_match.start() if right_match else len(text)
    return left, right


def content_tokens(text: str) -> list[str]:
    """Words (English, lower case, stopwords dropped) and character bigrams (Chinese)."""
    folded = fold(text)
    tokens = [w.strip("'-") for w in _EN_WORD.findall(folded)]
    tokens = [_stem(w) for w in tokens if w and w not in EN_STOPWORDS]
    for run in _CJK_RUN.findall(folded):
        chars = [c for c in run if c not in ZH_STOPCHARS] if len(run) > 2 else list(run)
        if len(chars) == 1:
            tokens.append(chars[0])
        tokens.extend(a + b for a, b in itertools.pairwise(chars))
    return tokens


def _stem(word: str) -> str:
    """A light plural strip, enough to let "batteries" meet "battery" and "motors" "motor"."""
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("es") and word[-3] in "sxz":
        return word[:-2]
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def stem(word: str) -> str:
    return _stem(word.lower())


_SUFFIXES = ("ing", "ed", "es", "s", "e", "ly")


def word_key(token: str) -> str:
    """A token reduced so that inflections meet: "charging" and "charge", "flying" and "fly",
    "assembly" and "assemble" (one suffix off, then at most six letters). Chinese is kept."""
    if not token.isascii() or not token.isalpha():
        return token
    for suffix in _SUFFIXES:
        if token.endswith(suffix) and len(token) - len(suffix) >= 3:
            token = token[: -len(suffix)]
            break
    return token[:6]
