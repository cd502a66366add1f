"""Split a Markdown or plain-text document into passages, one per heading's section.

Headings are ATX (`#`, `##`, `###`) or setext (a line underlined with === or
---); deeper headings stay inside their parent's passage. A passage's heading
is its path of headings ("Returns > Refunds") so it reads on its own. A section
longer than an embedding model takes is cut at paragraph, then sentence, ends.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from catalog.ingest.lang import CJK

# ~ tokens: a CJK character is about one token, other characters about a quarter.
MAX_PASSAGE_WEIGHT = 400
HEADING_SEPARATOR = " > "

_ATX = re.compile(r"^ {0,3}(#{1,3})(?:[ \t]+(.*?)|([^\x00-\x7f#].*?))?(?:[ \t]+#+)?[ \t]*$")
_FENCE = re.compile(r"^ {0,3}(```|~~~)")
_SETEXT = re.compile(r"^ {0,3}(=+|-+)[ \t]*$")
_LIST_ITEM = re.compile(r"^ {0,3}([-*+]|\d+[.)])[ \t]")
_CJK_STOPS = ("。", "！", "？", "；")
_SENTENCE_END = re.compile(r"(?<=[。！？；!?;.])\s+|(?<=[。！？；])")


@dataclass(frozen=True)
class Section:
    heading: str  # "" for text before the first heading
    text: str


def split_sections(document: str) -> list[Section]:
    """The document's passages in reading order; empty sections are dropped."""
    lines = _without_front_matter(document.replace("\r\n", "\n").replace("\r", "\n").split("\n"))
    trail: list[str] = []  # headings from level 1 down to the current one
    body: list[str] = []
    sections: list[Section] = []
    in_fence = False

    def close() -> None:
        text = "\n".join(body).strip()
        if text:
            heading = HEADING_SEPARATOR.join(part for part in trail if part)
            sections.extend(Section(heading, chunk) for chunk in _chunks(text))
        body.clear()

    for line in lines:
        if _FENCE.match(line):
            in_fence = not in_fence
        heading = None if in_fence else _atx(line)
        setext = None
        if heading is None and not in_fence:
            setext = _setext(line, body)
        if heading is not None:
            close()
            _enter(trail, *heading)
        elif setext is not None:
            title = body.pop().strip()
            close()
            _enter(trail, setext, title)
        else:
            body.append(line)
    close()
    return sections


def _atx(line: str) -> tuple[int, str] | None:
    found = _ATX.match(line)
    if not found:
        return None
    return len(found.group(1)), (found.group(2) or found.group(3) or "").strip()


def _setext(line: str, body: list[str]) -> int | None:
    """Level of a setext underline, when `line` is one and the line above can be a title."""
    found = _SETEXT.match(line)
    if not found or not body or not body[-1].strip():
        return None
    above = body[-1]
    longer_paragraph = len(body) > 1 and bool(body[-2].strip())
    if found.group(1).startswith("-") and (_LIST_ITEM.match(above) or longer_paragraph):
        return None  # "---" under a list or a longer paragraph is a rule, not a heading
    return 1 if found.group(1).startswith("=") else 2


def _enter(trail: list[str], level: int, title: str) -> None:
    del trail[level - 1 :]
    trail.extend([""] * (level - 1 - len(trail)))
    trail.append(title)


def _without_front_matter(lines: list[str]) -> list[str]:
    """Drop a leading YAML block between --- lines (static-site generators write one)."""
    if lines and lines[0].strip() == "---":
        for index in range(1, min(len(lines), 60)):
            if lines[index].strip() in ("---", "..."):
                return lines[index + 1 :]
    return lines


def weight(text: str) -> float:
    cjk = len(CJK.findall(text))
    return cjk + (len(text) - cjk) / 4


def _chunks(text: str) -> list[str]:
    if weight(text) <= MAX_PASSAGE_WEIGHT:
        return [text]
    paragraphs = [p.strip() for p in re.split(r"\n[ \t]*\n", text) if p.strip()]
    pieces: list[str] = []
    for paragraph in paragraphs:
        if weight(paragraph) <= MAX_PASSAGE_WEIGHT:
            pieces.append(paragraph)
        else:
            pieces.extend(_cut(paragraph))
    return _pack(pieces, "\n\n")


def _cut(paragraph: str) -> list[str]:
    """Sentences of an over-long paragraph; a sentence still too long is cut by length."""
    result: list[str] = []
    for sentence in _SENTENCE_END.split(paragraph):
        sentence = sentence.strip()
        while weight(sentence) > MAX_PASSAGE_WEIGHT:
            cut = _cut_point(sentence)
            result.append(sentence[:cut].strip())
            sentence = sentence[cut:].strip()
        if sentence:
            result.append(sentence)
    return _pack(result, " ")


def _cut_point(text: str) -> int:
    total = 0.0
    for index, char in enumerate(text):
        total += 1 if CJK.match(char) else 0.25
        if total > MAX_PASSAGE_WEIGHT:
            space = text.rfind(" ", 0, index)
            return space if space > index // 2 else max(index, 1)
    return len(text)


def _pack(pieces: list[str], joiner: str) -> list[str]:
    packed: list[str] = []
    for piece in pieces:
        if packed and weight(packed[-1]) + weight(piece) <= MAX_PASSAGE_WEIGHT:
            # Chinese sentences follow one another without a space.
            glue = "" if joiner == " " and packed[-1].endswith(_CJK_STOPS) else joiner
            packed[-1] = packed[-1] + glue + piece
        else:
            packed.append(piece)
    return packed
