"""Which language a turn is written in: Chinese or English, decided per turn."""

from __future__ import annotations

import re

from dialogue.understand.types import Lang

# CJK unified ideographs (basic + extension A) and the compatibility block.
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_LATIN_WORD = re.compile(r"[A-Za-z]+")

# A Chinese sentence often carries brand and model names in Latin letters
# ("iPhone 15 多少钱"). Counting each Latin word as one unit against each
# character keeps such sentences Chinese, while an English sentence with one
# quoted Chinese product name stays English.
_ZH_SHARE = 0.4


def cjk_share(text: str) -> float:
    """Share of CJK characters among CJK characters plus Latin words (0 when neither)."""
    cjk = len(_CJK.findall(text))
    words = len(_LATIN_WORD.findall(text))
    total = cjk + words
    return cjk / total if total else 0.0


def detect_language(text: str, default: Lang = "en") -> Lang:
    """ "zh" when Chinese dominates the turn, "en" when Latin words do, else `default`.

    `default` is usually the language of the previous turn, so that "ok", "42"
    or an emoji do not switch the conversation's language.
    """
    cjk = len(_CJK.findall(text))
    words = len(_LATIN_WORD.findall(text))
    if cjk == 0 and words == 0:
        return default
    if cjk == 0:
        # a lone "ok"/"thx" says little; a real English sentence decides
        return "en" if words >= 2 or default == "en" else default
    return "zh" if cjk / (cjk + words) >= _ZH_SHARE else "en"
