"""Masking of personal data in message text: emails, phone numbers, card numbers, addresses.

`mask_pii` favours precision: order ids (A-1001), SKUs (EA-1001), tracking numbers
(SF1234567890, JDV708664623408), prices, dates, times and quantities stay as they
are. A digit run is a card only when it stands alone (no letter or digit glued to
it), has 13-19 digits and passes the Luhn check.

A mask never turns into something maskable: masked digits become `*`, and every
detector treats `*` next to a candidate like a digit, so masking an already
masked text changes nothing (mask_pii is idempotent).

Detection reads full-width characters and other scripts' digits as their ASCII
forms ("１３８００１３８０００" is a phone number too).

Spans are positions in the masked text; `source_start`/`source_end` are the same
span in the input, so a caller can map one onto the other.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Literal

_ASCII_DIGITS = frozenset("0123456789")
PiiKind = Literal["email", "phone", "card", "address"]
ADDRESS_MASK = {"en": "[address]", "zh": "[地址]"}

# A masked digit is `*`: next to a candidate it counts as a digit, so a second pass
# sees the same context as the first.
_NOT_AFTER_WORD = r"(?<![A-Za-z0-9*])"
_NOT_BEFORE_WORD = r"(?![A-Za-z0-9*])"
_NOT_AFTER_GROUP = r"(?<![0-9*][ -])"
_NOT_BEFORE_GROUP = r"(?![ -][0-9*])"

_EMAIL = re.compile(
    r"(?<![A-Za-z0-9._%+*-])"
    r"(?P<local>[A-Za-z0-9][A-Za-z0-9._%+-]*)"
    r"@(?P<domain>[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*\.[A-Za-z]{2,})"
    r"(?![A-Za-z0-9-])"
)

_PHONES = (
    # Chinese mobile: 1[3-9] + 9 digits, with or without +86 / 0086, in 3-4-4 groups or not
    re.compile(
        _NOT_AFTER_WORD
        + _NOT_AFTER_GROUP
        + r"(?:(?:\+|00)86[ -]?)?1[3-9]\d(?:[ -]?\d{4}){2}"
        + _NOT_BEFORE_WORD
        + _NOT_BEFORE_GROUP
    ),
    # international: +CC then 2-5 groups, parentheses allowed ("+1 (415) 555-2671")
    re.compile(
        r"(?<![A-Za-z0-9*+])\+\d{1,3}(?:[ .-]?(?:\(\d{1,4}\)|\d{1,5})){2,5}"
        + _NOT_BEFORE_WORD
        + _NOT_BEFORE_GROUP
    ),
    # North American national: (415) 555-2671, 415-555-2671, 415.555.2671
    re.compile(
        _NOT_AFTER_WORD
        + _NOT_AFTER_GROUP
        + r"(?:\(\d{3}\) ?|\d{3}[-. ])\d{3}[-. ]\d{4}"
        + _NOT_BEFORE_WORD
        + _NOT_BEFORE_GROUP
    ),
)
_PHONE_DIGITS = (8, 15)  # E.164 allows at most 15 digits
_PHONE_KEPT_DIGITS = 4

# Digit groups joined by one space or dash, standing alone; `*` counts as a digit
# so a masked group stays part of its chunk.
_DIGIT_CHUNK = re.compile(r"(?<![A-Za-z0-9*])[0-9*]+(?:[ -][0-9*]+)*(?![A-Za-z0-9*])")
_DIGIT_GROUP = re.compile(r"[0-9*]+")
_CARD_DIGITS = (13, 19)

_EN_SUFFIX = (
    r"(?:Street|St|Avenue|Ave|Road|Rd|Boulevard|Blvd|Lane|Ln|Drive|Dr|Court|Ct|Place|Pl|"
    r"Terrace|Ter|Parkway|Pkwy|Highway|Hwy|Circle|Cir|Square|Sq|Way|Crescent|Cres)"
)
_EN_ADDRESS = re.compile(
    _NOT_AFTER_WORD
    + _NOT_AFTER_GROUP
    + r"\d{1,6}[A-Za-z]?"  # house number, 221B
    + r"(?: (?:[A-Z][A-Za-z'.-]*|\d+(?:st|nd|rd|th))){1,4}"  # street name: capitalised words
    + r" "
    + _EN_SUFFIX
    + r"\b\.?(?: (?:N|S|E|W|NE|NW|SE|SW)\b)?"
    + r"(?:,? (?:Apt|Apartment|Suite|Ste|Unit|Fl|Floor|Room|Rm)\.? ?#?[A-Za-z0-9-]+"
    + r"|,? #[A-Za-z0-9-]+)?"
    # what follows a street: the end, punctuation, a capitalised city or a few small words
    + r"(?=$|\s*[,.;:!?)\]\n，。；！？）]|\s+[A-Z]"
    + r"|\s+(?:please|thanks|thank|and|by|before|asap)\b)"
)

# Han characters that do not occur inside Chinese place names but do glue onto them
# in a sentence ("寄到北京市…", "我的地址是…"): a name never spans one of these.
_ZH_NAME = r"[^\W\d_A-Za-z的是在我你您他她请寄送到址收往把给帮改为和或及从]"
_ZH_ADDRESS = re.compile(
    r"(?:" + _ZH_NAME + r"{1,7}?(?:省|自治区))?"
    r"(?:" + _ZH_NAME + r"{1,7}?市)?"
    r"(?:" + _ZH_NAME + r"{1,7}?(?:区|县|旗))?"
    r"(?:" + _ZH_NAME + r"{1,7}?(?:镇|乡|街道))?"
    r"(?:" + _ZH_NAME + r"{1,8}?(?:路|街|大道|大街|巷|胡同))"
    r"(?:\d+(?:弄|号|號)(?!线))"  # not a metro line: 3号线
    # then building, entrance, floor and room, a building's name allowed before them
    r"(?:(?:[A-Za-z]{0,10}"
    + _ZH_NAME
    + r"{0,8}?)?\d+(?:号楼|弄|号|號|栋|幢|座|单元|层|楼|室|号房))*"
)
# A residential compound without a street: "阳光小区3栋2单元501室".
_ZH_ESTATE = re.compile(
    r"(?:" + _ZH_NAME + r"{1,8}?(?:小区|花园|公寓|大厦|新村|家园))"
    r"(?:\d+(?:号楼|栋|幢|座))(?:\d+(?:单元|层|楼|室|号))+"
)


@dataclass(frozen=True)
class PiiSpan:
    kind: PiiKind
    start: int  # in the masked text
    end: int
    source_start: int  # in the input text
    source_end: int


@dataclass(frozen=True)
class MaskedText:
    text: str
    spans: tuple[PiiSpan, ...]


@dataclass(frozen=True)
class _Found:
    kind: PiiKind
    start: int
    end: int
    mask: str


def luhn_valid(digits: str) -> bool:
    """The Luhn checksum every payment card number carries."""
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2 == 1:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def _mask_digits(text: str, keep: int) -> str:
    """Each digit but the last `keep` becomes `*`; separators stay."""
    digits = sum(char in _ASCII_DIGITS for char in text)
    out: list[str] = []
    for char in text:
        if char in _ASCII_DIGITS:
            digits -= 1
            out.append(char if digits < keep else "*")
        else:
            out.append(char)
    return "".join(out)


def _emails(text: str) -> list[_Found]:
    found = []
    for m in _EMAIL.finditer(text):
        mask = f"{m.group('local')[0]}***@{m.group('domain')}"
        found.append(_Found("email", m.start(), m.end(), mask))
    return found


def _phones(text: str) -> list[_Found]:
    found = []
    for pattern in _PHONES:
        for m in pattern.finditer(text):
            digits = sum(char in _ASCII_DIGITS for char in m.group(0))
            if _PHONE_DIGITS[0] <= digits <= _PHONE_DIGITS[1]:
                mask = _mask_digits(m.group(0), _PHONE_KEPT_DIGITS)
                found.append(_Found("phone", m.start(), m.end(), mask))
    return found


def _cards(text: str) -> list[_Found]:
    """Luhn-valid windows of whole digit groups, leftmost first, longest at each start."""
    found = []
    for chunk in _DIGIT_CHUNK.finditer(text):
        groups = [
            (chunk.start() + g.start(), chunk.start() + g.end(), g.group(0))
            for g in _DIGIT_GROUP.finditer(chunk.group(0))
        ]
        i = 0
        while i < len(groups):
            match = _card_window(groups, i)
            if match is None:
                i += 1
                continue
            j, digits = match
            # Kept digits followed by more digit groups could form a new card number with them.
            last = digits[-4:] if j == len(groups) - 1 else "****"
            found.append(_Found("card", groups[i][0], groups[j][1], "**** **** **** " + last))
            i = j + 1
    return found


def _card_window(groups: list[tuple[int, int, str]], first: int) -> tuple[int, str] | None:
    """The last group and digits of the longest card number starting at group `first`."""
    best: tuple[int, str] | None = None
    digits = ""
    for j in range(first, len(groups)):
        group = groups[j][2]
        if "*" in group:
            break  # an already masked group ends the window
        digits += group
        if len(digits) > _CARD_DIGITS[1]:
            break
        if len(digits) >= _CARD_DIGITS[0] and luhn_valid(digits):
            best = (j, digits)
    return best


def _addresses(text: str) -> list[_Found]:
    found = [
        _Found("address", m.start(), m.end(), ADDRESS_MASK["en"])
        for m in _EN_ADDRESS.finditer(text)
    ]
    for pattern in (_ZH_ADDRESS, _ZH_ESTATE):
        for m in pattern.finditer(text):
            found.append(_Found("address", m.start(), m.end(), ADDRESS_MASK["zh"]))
    return found


def _without_overlaps(found: list[_Found]) -> list[_Found]:
    """Earlier detectors win; among equals, the earlier then the longer span."""
    kept: list[_Found] = []
    for candidate in found:
        if all(candidate.end <= k.start or candidate.start >= k.end for k in kept):
            kept.append(candidate)
    return sorted(kept, key=lambda f: f.start)


def _fold_char(char: str) -> str:
    """Full-width forms and other scripts' digits as ASCII, one character for one."""
    if char.isascii():
        return char
    if unicodedata.category(char) == "Nd":
        return str(unicodedata.digit(char))
    folded = unicodedata.normalize("NFKC", char)
    return folded if len(folded) == 1 else char


def fold_for_detection(text: str) -> str:
    """`text` with "１３８" read as "138" and "＠" as "@"; the same length, so positions hold."""
    return "".join(_fold_char(char) for char in text)


_STARS = re.compile(r"\*+")
_NUMBER_FORMAT = frozenset("0123456789*()+.-")


def _without_shoppers_stars(folded: str) -> str:
    """`folded` with the shopper's own stars as NUL (same length), masks' stars kept.

    Detectors count `*` as a digit so that a masked number stays masked. A mask leaves
    runs of stars before kept digits, never a star right after a digit, and never one
    star alone before a number; such stars ("*4111 1111 1111 1111", "1111*", "0*9")
    are the shopper's, and a card number next to one must still be found.
    """
    out = list(folded)
    for run in _STARS.finditer(folded):
        start, end = run.span()
        before = folded[start - 1] if start else ""
        before_that = folded[start - 2] if start > 1 else ""
        after = folded[end] if end < len(folded) else ""
        after_digit = before.isascii() and before.isdigit()
        lone_before_number = (
            end - start == 1
            and after.isascii()
            and after.isdigit()
            and not before.isalnum()
            and before not in _NUMBER_FORMAT
            and not (before in (" ", ".", "-") and before_that in _NUMBER_FORMAT)
        )
        if after_digit or lone_before_number:
            out[start:end] = "\x00" * (end - start)
    return "".join(out)


def mask_pii(text: str) -> MaskedText:
    """Mask every email, phone number, card number and postal address in `text`."""
    folded = _without_shoppers_stars(fold_for_detection(text))
    found: list[_Found] = []
    # Order is priority: an email's digits are not a phone, a phone is not a card.
    for detector in (_emails, _phones, _cards, _addresses):
        found.extend(sorted(detector(folded), key=lambda f: (f.start, f.start - f.end)))
    pieces: list[str] = []
    spans: list[PiiSpan] = []
    cursor = 0
    length = 0
    for item in _without_overlaps(found):
        before = text[cursor : item.start]
        pieces.append(before)
        length += len(before)
        pieces.append(item.mask)
        spans.append(PiiSpan(item.kind, length, length + len(item.mask), item.start, item.end))
        length += len(item.mask)
        cursor = item.end
    pieces.append(text[cursor:])
    return MaskedText("".join(pieces), tuple(spans))
