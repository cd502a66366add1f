"""Slots of a turn: budget, category, brand, attributes, order id, email."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache

from dialogue.understand.budget import extract_budget
from dialogue.understand.lexicon import (
    CATEGORY_SYNONYMS,
    COLOR_ATTRIBUTE_NAMES,
    COLORS,
    SIZE_ATTRIBUTE_NAMES,
    ZH_SIZES,
)
from dialogue.understand.script import to_simplified
from dialogue.understand.types import Slots, Vocabulary

EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")

# "order A-1001", "purchase #3707955617", "订单号：A-1001", "单号 1234567"
_ORDER_KEYED = re.compile(
    r"(?:order|purchase|订单|单号)\s*(?:number|no\.?|id|num|#|编号|号码|号)?\s*(?:is|是|为)?"
    r"\s*[:：#]?\s*(?P<id>[A-Za-z]{0,6}-?\d[\w-]*\d|\d{3,})",
    re.IGNORECASE,
)
# Shapes of order ids that need no keyword: "A-1001", "ORD-2024-0042", "370795561790".
_ORDER_SHAPED = re.compile(r"(?<![\w-])(?P<id>[A-Za-z]{1,6}-\d{3,}(?:-\d+)*|\d{8,20})(?![\w-])")
# An 11-digit number after a phone word is a phone number, not an order.
_PHONE_WORD = re.compile(r"(?:phone|mobile|tel|call|手机|电话|联系方式)\D{0,8}$", re.IGNORECASE)

# Sizes: "XL", "size 42", "42码", "M号", "大号"
_SIZE_LETTERS = r"(?:XXXS|XXS|XS|S|M|L|XL|XXL|XXXL|[2-5]XL)"
_SIZE_KEYED = re.compile(
    rf"(?:size|尺码|码数|尺寸)\s*(?:is|是|为)?\s*[:：]?\s*(?P<size>{_SIZE_LETTERS}|\d{{1,3}}(?:\.5)?)"
    rf"(?![\w.])|(?<![\w])(?P<zh>{_SIZE_LETTERS}|\d{{2,3}}(?:\.5)?)\s*(?:码|号)",
    re.IGNORECASE,
)
_SIZE_MULTI = re.compile(r"(?<![\w'’])(XXXS|XXS|XS|XL|XXL|XXXL|[2-5]XL)(?![\w'’])")


def normalize(text: str) -> str:
    """Full-width forms to ASCII, case folded, Traditional to Simplified: "ＸＬ", "Sony" and
    "紅色" match "xl", "sony" and "红色"."""
    return to_simplified(unicodedata.normalize("NFKC", text).casefold())


def _is_cjk(term: str) -> bool:
    return any("\u3400" <= ch <= "\u9fff" for ch in term)


@lru_cache(maxsize=4096)
def _term_pattern(term: str) -> re.Pattern[str]:
    # Latin terms must stand alone ("tv" not inside "tvs"); CJK has no word spaces.
    escaped = re.escape(term)
    if _is_cjk(term):
        return re.compile(escaped)
    return re.compile(rf"(?<![a-z0-9]){escaped}(?![a-z0-9])")


def _find(term: str, text: str) -> int:
    """Position of `term` in normalised `text`, or -1."""
    if not term:
        return -1
    match = _term_pattern(term).search(text)
    return match.start() if match else -1


def extract_order_id(text: str) -> str | None:
    text = to_simplified(unicodedata.normalize("NFKC", text))
    without_emails = EMAIL.sub(" ", text)
    keyed = _ORDER_KEYED.search(without_emails)
    if keyed:
        return keyed.group("id")
    for match in _ORDER_SHAPED.finditer(without_emails):
        value = match.group("id")
        if len(value) == 11 and _PHONE_WORD.search(without_emails[: match.start()]):
            continue
        return value
    return None


def extract_email(text: str) -> str | None:
    match = EMAIL.search(unicodedata.normalize("NFKC", text))
    return match.group(0) if match else None


def _plural_variants(term: str) -> set[str]:
    if _is_cjk(term) or len(term) < 3:
        return {term}
    variants = {term}
    if term.endswith("ies"):
        variants.add(term[:-3] + "y")
    elif term.endswith("es") and term[:-2].endswith(("sh", "ch", "x", "s")):
        variants.add(term[:-2])
    elif term.endswith("s") and not term.endswith("ss"):
        variants.add(term[:-1])
    else:
        variants.add(term + "s")
    return variants


def _segments(path: str) -> list[str]:
    return [p.strip() for p in re.split(r"\s*(?:/|>|›|\||»)\s*", path) if p.strip()]


def _common_prefix(paths: list[str]) -> str:
    split = [_segments(p) for p in paths]
    prefix: list[str] = []
    for parts in zip(*split, strict=False):
        if all(part == parts[0] for part in parts):
            prefix.append(parts[0])
        else:
            break
    return " / ".join(prefix)


@lru_cache(maxsize=32)
def _category_terms(categories: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    """(term, category to return) pairs, longest term first.

    A term shared by several paths returns their common prefix ("Parts" under both
    "Appliances / Parts" and "Auto / Parts" is dropped; "Audio" under two
    "Electronics / Audio / …" paths gives "Electronics / Audio").
    """
    owners: dict[str, set[str]] = {}
    for path in categories:
        segments = _segments(path)
        terms = {normalize(path)}
        for segment in segments:
            terms |= _plural_variants(normalize(segment))
        for term in list(terms):
            for group in CATEGORY_SYNONYMS:
                if term in group:
                    terms.update(group)
        for term in terms:
            owners.setdefault(term, set()).add(path)
    pairs: list[tuple[str, str]] = []
    for term, paths in owners.items():
        if len(paths) == 1:
            pairs.append((term, next(iter(paths))))
            continue
        prefix = _common_prefix(sorted(paths))
        if prefix:
            # the prefix names a real node only if some path starts with it
            pairs.append((term, prefix))
    pairs.sort(key=lambda pair: (-len(pair[0]), pair[0]))
    return tuple(pairs)


def extract_category(text: str, categories: Iterable[str]) -> str | None:
    norm = normalize(text)
    best: tuple[int, int, str] | None = None  # (-len(term), position, category)
    for term, category in _category_terms(tuple(categories)):
        pos = _find(term, norm)
        if pos >= 0:
            key = (-len(term), pos, category)
            if best is None or key < best:
                best = key
    return best[2] if best else None


def extract_brand(text: str, brands: Iterable[str]) -> str | None:
    """The brand mentioned first (the longest at one position), as the catalog spells it."""
    norm = normalize(text)
    best: tuple[int, int, str] | None = None  # (position, -len, brand)
    for brand in brands:
        term = normalize(brand).strip()
        if len(term) < 2:
            continue
        pos = _find(term, norm)
        if pos >= 0:
            key = (pos, -len(term), brand)
            if best is None or key < best:
                best = key
    return best[2] if best else None


def _color_name(vocabulary: Vocabulary) -> str:
    for name in vocabulary.attribute_values:
        if normalize(name) in COLOR_ATTRIBUTE_NAMES:
            return name
    return "color"


def _size_name(vocabulary: Vocabulary) -> str:
    for name in vocabulary.attribute_values:
        if normalize(name) in SIZE_ATTRIBUTE_NAMES:
            return name
    return "size"


def _canonical_color(word: str) -> str | None:
    norm = normalize(word)
    for canonical, aliases in COLORS.items():
        if norm == canonical or norm in aliases:
            return canonical
    return None


def extract_color(text: str, vocabulary: Vocabulary) -> str | None:
    """A colour as the catalog spells it when it has one ("红色" for "red"), else in English."""
    norm = normalize(text)
    found: tuple[int, int, str] | None = None
    for canonical, aliases in COLORS.items():
        for alias in aliases:
            pos = _find(alias, norm)
            if pos >= 0 and (found is None or (pos, -len(alias)) < found[:2]):
                found = (pos, -len(alias), canonical)
    if found is None:
        return None
    canonical = found[2]
    for name, values in vocabulary.attribute_values.items():
        if normalize(name) in COLOR_ATTRIBUTE_NAMES:
            for value in values:
                if _canonical_color(value) == canonical:
                    return value
    return canonical


def extract_size(text: str) -> str | None:
    text = to_simplified(unicodedata.normalize("NFKC", text))
    keyed = _SIZE_KEYED.search(text)
    if keyed:
        return (keyed.group("size") or keyed.group("zh")).upper()
    multi = _SIZE_MULTI.search(text)
    if multi:
        return multi.group(1).upper()
    for word, size in ZH_SIZES.items():
        if word in text:
            return size
    return None


def extract_attributes(text: str, vocabulary: Vocabulary) -> tuple[tuple[str, str], ...]:
    found: list[tuple[str, str]] = []
    color = extract_color(text, vocabulary)
    if color:
        found.append((_color_name(vocabulary), color))
    size = extract_size(text)
    if size:
        found.append((_size_name(vocabulary), size))
    norm = normalize(text)
    taken = {name for name, _ in found}
    # other catalog attribute values said verbatim ("stainless steel", "防水")
    for name, values in vocabulary.attribute_values.items():
        if name in taken:
            continue
        for value in sorted(values, key=len, reverse=True):
            term = normalize(value).strip()
            if len(term) >= 2 and not term.isdigit() and _find(term, norm) >= 0:
                found.append((name, value))
                break
    return tuple(found)


def extract_slots(text: str, vocabulary: Vocabulary | None = None) -> Slots:
    vocabulary = vocabulary or Vocabulary()
    return Slots(
        budget=extract_budget(to_simplified(unicodedata.normalize("NFKC", text))),
        category=extract_category(text, vocabulary.categories),
        brand=extract_brand(text, vocabulary.brands),
        attributes=extract_attributes(text, vocabulary),
        order_id=extract_order_id(text),
        email=extract_email(text),
    )
