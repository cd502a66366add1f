"""Traditional Chinese folded into Simplified, so one model and one lexicon serve both scripts.

The training utterances and the slot lexicon are written in Simplified Chinese;
a shopper in Hong Kong or Taiwan writes 「訂單」 for 「订单」. OpenCC's
character and phrase tables do the folding; it is imported here and nowhere else.
"""

from __future__ import annotations

import re
import threading

import opencc

_HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_lock = threading.Lock()
_converter: opencc.OpenCC | None = None


def _get() -> opencc.OpenCC:
    global _converter
    with _lock:
        if _converter is None:
            _converter = opencc.OpenCC("t2s")
        return _converter


def to_simplified(text: str) -> str:
    """`text` with Traditional characters replaced by Simplified ones; other text unchanged."""
    if not _HAN.search(text):
        return text
    return str(_get().convert(text))
