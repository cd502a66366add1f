"""Staff corrections as an FAQ document the assistant can cite.

The file is Markdown in the documents format (DATA_FORMATS.md): one level-1
heading per language ("Frequently asked questions" / "常见问题"), one level-2
heading per question, the correction as its passage. New entries are merged
into the file that is there — an entry for a question already present replaces
its answer, every other earlier entry is kept — and the file is replaced
atomically, so a crash never leaves half a document.

Question and answer text is made safe for the format: a question is one line,
and an answer line that Markdown would read as a heading, an underline or a
code fence is escaped, so an entry is always exactly one passage.
"""

from __future__ import annotations

import os
import re
import tempfile
import threading
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

FAQ_FILE = "console-faq.md"
SECTION_TITLES = {"en": "Frequently asked questions", "zh": "常见问题"}
LANGS = ("en", "zh")
MAX_QUESTION = 300
_SPACES = re.compile(r"\s+")
_HEADING = re.compile(r"^ {0,3}(#{1,6})[ \t]+(.*?)[ \t#]*$")
# Lines the section splitter would take for structure rather than text.
_STRUCTURAL = re.compile(r"^ {0,3}(#|=+[ \t]*$|-+[ \t]*$|```|~~~)")
_CJK = re.compile(r"[\u3400-\u9fff]")
# One writer at a time in this process: read, merge and replace are one step.
_WRITING = threading.Lock()


@dataclass(frozen=True)
class FaqEntry:
    question: str
    answer: str
    lang: str  # en | zh

    @property
    def key(self) -> tuple[str, str]:
        return self.lang, normalise_question(self.question)


def normalise_question(text: str) -> str:
    folded = unicodedata.normalize("NFKC", text).casefold()
    return _SPACES.sub(" ", folded).strip().rstrip("?？!！.。 ")


def entry(question: str, answer: str, lang: str = "") -> FaqEntry:
    """An entry with its text made safe for the format; ValueError when empty."""
    one_line = _SPACES.sub(" ", question).strip().lstrip("#").strip()
    if len(one_line) > MAX_QUESTION:
        one_line = one_line[: MAX_QUESTION - 1].rstrip() + "…"
    body = "\n".join(line.rstrip() for line in answer.strip().splitlines())
    if not one_line or not body:
        raise ValueError("an FAQ entry needs a question and an answer")
    if lang not in LANGS:
        lang = "zh" if _CJK.search(one_line) else "en"
    return FaqEntry(one_line, body, lang)


def read_faq(path: Path) -> list[FaqEntry]:
    """The entries of a file this module wrote (missing file: none)."""
    if not path.exists():
        return []
    entries: list[FaqEntry] = []
    lang = "en"
    question: str | None = None
    body: list[str] = []

    def close() -> None:
        if question is not None and "\n".join(body).strip():
            entries.append(FaqEntry(question, _unescape("\n".join(body).strip()), lang))

    for line in path.read_text(encoding="utf-8").splitlines():
        heading = _HEADING.match(line)
        if heading is None:
            body.append(line)
            continue
        close()
        question, body = None, []
        level, title = len(heading.group(1)), heading.group(2).strip()
        if level == 1:
            lang = next((k for k, v in SECTION_TITLES.items() if v == title), _guess(title))
        else:
            question = title
    close()
    return entries


def merge(existing: Iterable[FaqEntry], new: Iterable[FaqEntry]) -> list[FaqEntry]:
    """Earlier entries in their order, a repeated question taking its new answer, then new ones."""
    merged: dict[tuple[str, str], FaqEntry] = {e.key: e for e in existing}
    for item in new:
        merged[item.key] = item
    return list(merged.values())


def render_faq(entries: Iterable[FaqEntry]) -> str:
    by_lang: dict[str, list[FaqEntry]] = {lang: [] for lang in LANGS}
    for item in entries:
        by_lang.setdefault(item.lang, []).append(item)
    parts: list[str] = []
    for lang, items in by_lang.items():
        if not items:
            continue
        parts.append(f"# {SECTION_TITLES.get(lang, lang)}\n")
        for item in items:
            parts.append(f"## {item.question}\n\n{_escape(item.answer)}\n")
    return "\n".join(parts)


def write_faq(directory: Path, new: Iterable[FaqEntry]) -> tuple[Path, int]:
    """Merge `new` into the FAQ file under `directory`; (its path, entries in it)."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / FAQ_FILE
    with _WRITING:
        entries = merge(read_faq(path), new)
        handle, temporary = tempfile.mkstemp(dir=directory, prefix=".console-faq.", suffix=".tmp")
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as out:
                out.write(render_faq(entries))
                out.flush()
                os.fsync(out.fileno())
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
    return path, len(entries)


def _escape(answer: str) -> str:
    return "\n".join(
        "\\" + line if _STRUCTURAL.match(line) else line for line in answer.splitlines()
    )


def _unescape(body: str) -> str:
    lines = body.splitlines()
    return "\n".join(
        line[1:] if line.startswith("\\") and _STRUCTURAL.match(line[1:]) else line
        for line in lines
    )


def _guess(text: str) -> str:
    return "zh" if _CJK.search(text) else "en"
