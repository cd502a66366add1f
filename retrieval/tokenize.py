"""Tokens for the lexical index: jieba words for Chinese, folded words for English.

jieba lives behind this module alone. Chinese runs are cut with
`cut_for_search`, which also emits the shorter words inside long compounds
("墙面底漆" -> "墙面", "底漆"), so a shopper's short query meets a shop's long
title. Other scripts are lowercased, split on anything that is not a letter or
a digit, stripped of stopwords and folded from plural to singular.
"""

from __future__ import annotations

import logging
import re
import threading
import unicodedata
from collections.abc import Iterable

# Han ideographs (basic, extension A, compatibility) and Japanese kana go to jieba.
_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_RUN = re.compile(rf"[{_CJK}]+|[^\W_{_CJK}]+")
_CJK_RUN = re.compile(rf"[{_CJK}]")

_ENGLISH_STOPWORDS = """
    a about an and any are as at be been being but by can could did do does doing for from had
    has have having he her here hers him his how i if in into is it its itself just me
    more most my of on once only or other our ours over own same she should so some such than
    that the their theirs them then there these they this those through to too very was we
    were what when where which while who whom why will with would you your yours"""
ENGLISH_STOPWORDS = frozenset(_ENGLISH_STOPWORDS.split())
# Particles and pronouns that carry no product meaning.
_CHINESE_STOPWORDS = (
    "的 了 是 吗 呢 吧 啊 呀 和 与 及 或 在 我 你 您 他 她 它 们 我们 你们 这 那 这个 那个 "
    "个 也 都 就 还 么 什么 怎么 怎样 请问 一下 可以 能 会 要 想 有 没有 有没有 是不是"
)
CHINESE_STOPWORDS = frozenset(_CHINESE_STOPWORDS.split())

_jieba_lock = threading.Lock()
_jieba_ready = False


def _cut_for_search(text: str) -> Iterable[str]:
    global _jieba_ready
    import jieba

    if not _jieba_ready:
        # Loading the dictionary takes about a second; do it once, quietly, under a lock.
        with _jieba_lock:
            if not _jieba_ready:
                jieba.setLogLevel(logging.WARNING)
                jieba.initialize()
                _jieba_ready = True
    return jieba.cut_for_search(text, HMM=True)


def fold_english(word: str) -> str:
    """Light stemming: plural to singular, nothing that changes a word's meaning."""
    if len(word) <= 3 or word.isdigit():
        return word
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"  # batteries -> battery
    if word.endswith("sses"):
        return word[:-2]  # glasses -> glass
    if word.endswith(("xes", "ches", "shes", "zes")):
        return word[:-2]  # boxes -> box, watches -> watch
    if word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]  # cables -> cable
    return word


def normalise(text: str) -> str:
    """NFKC (full-width letters and digits to ASCII) and lowercase."""
    return unicodedata.normalize("NFKC", text).lower()


def has_cjk(text: str) -> bool:
    return _CJK_RUN.search(text) is not None


def tokenize(text: str) -> list[str]:
    """Index and query tokens of `text`, in order, stopwords removed."""
    tokens: list[str] = []
    for match in _RUN.finditer(normalise(text)):
        run = match.group(0)
        if _CJK_RUN.match(run):
            for word in _cut_for_search(run):
                word = word.strip()
                if word and word not in CHINESE_STOPWORDS:
                    tokens.append(word)
        elif run not in ENGLISH_STOPWORDS:
            tokens.append(fold_english(run))
    return tokens


def detect_lang(text: str) -> str:
    """Return "zh" when the text has any Han character, else "en" (a shop has those two)."""
    return "zh" if has_cjk(text) else "en"
