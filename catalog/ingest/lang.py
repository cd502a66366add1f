"""Language of a text: Chinese when CJK characters dominate, English otherwise."""

from __future__ import annotations

import re

CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002ebef]")
_LATIN_WORD = re.compile(r"[A-Za-z\u00c0-\u024f]+")
# A Chinese character carries about as much as an English word; a listing whose
# text is at least this share Chinese (model numbers and brands aside) is Chinese.
_ZH_SHARE = 0.3
# ISO 639 primary subtag, optionally followed by a region or script ("zh-CN", "zh_Hans").
_LANG_TAG = re.compile(r"^([A-Za-z]{2,3})(?:[-_][A-Za-z0-9]{2,8})*$")


def detect_lang(text: str) -> str:
    """'zh', 'en', or '' when the text has no letters at all."""
    cjk = len(CJK.findall(text))
    words = len(_LATIN_WORD.findall(text))
    if cjk + words == 0:
        return ""
    return "zh" if cjk / (cjk + words) >= _ZH_SHARE else "en"


def normalise_lang(tag: str) -> str | None:
    """'zh-CN' -> 'zh' (search filters use the primary tag); None when `tag` is no language tag."""
    found = _LANG_TAG.match(tag.strip())
    return found.group(1).lower() if found else None
