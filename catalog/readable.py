"""Structured attribute dumps as plain words, for search, prompts and quoted answers.

Scraped catalogs often carry attributes as the marketplace's own records:

    item_weight:  { unit:pounds, normalized_value:{ unit:pounds, value:0.19 }, value:0.19 }

A shopper should read "item weight: 0.19 pounds", and a small model reads the plain
form more reliably and in fewer tokens; the embedder and BM25 match a shopper's
words ("how heavy", "weight") against the plain form too. The verifier keeps
checking claims against the stored text, which it reads structurally
(`dialogue/verify/numbers.py`), so rendering changes what is searched and shown,
never what counts as evidence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_DUMP = re.compile(r"^\s*([a-z][a-z0-9_]*)\s*:\s*(\{.*\})\s*$", re.DOTALL)
_KEY = re.compile(r"\s*([a-z][a-z0-9_]*)\s*:")
# Bookkeeping fields that say nothing to a shopper.
_SKIPPED = frozenset({"language_tag", "marketplace_id", "source", "standardized_values"})
_MAX_DEPTH = 8


class _Unparsable(ValueError):
    pass


@dataclass
class _Reader:
    text: str
    at: int = 0

    def _skip_space(self) -> None:
        while self.at < len(self.text) and self.text[self.at].isspace():
            self.at += 1

    def peek(self) -> str:
        self._skip_space()
        return self.text[self.at] if self.at < len(self.text) else ""

    def _expect(self, char: str) -> None:
        if self.peek() != char:
            raise _Unparsable(f"expected {char!r} at {self.at}")
        self.at += 1

    def value(self, depth: int = 0) -> object:
        if depth > _MAX_DEPTH:
            raise _Unparsable("nested too deep")
        head = self.peek()
        if head == "{":
            return self._record(depth)
        if head == "[":
            return self._list(depth)
        if head == '"':
            end = self.text.find('"', self.at + 1)
            if end < 0:
                raise _Unparsable("unterminated string")
            token, self.at = self.text[self.at + 1 : end], end + 1
            return token
        start = self.at
        while self.at < len(self.text) and self.text[self.at] not in ",}]":
            self.at += 1
        token = self.text[start : self.at].strip()
        if not token:
            raise _Unparsable(f"empty value at {start}")
        return token

    def _record(self, depth: int) -> dict[str, object]:
        self._expect("{")
        out: dict[str, object] = {}
        while self.peek() != "}":
            match = _KEY.match(self.text, self.at)
            if match is None:
                raise _Unparsable(f"expected a key at {self.at}")
            self.at = match.end()
            out[match.group(1)] = self.value(depth + 1)
            if self.peek() == ",":
                self.at += 1
        self._expect("}")
        return out

    def _list(self, depth: int) -> list[object]:
        self._expect("[")
        out: list[object] = []
        while self.peek() != "]":
            out.append(self.value(depth + 1))
            if self.peek() == ",":
                self.at += 1
        self._expect("]")
        return out


def _words(key: str) -> str:
    return key.replace("_", " ").strip()


def _scalar(token: str) -> str:
    if re.fullmatch(r"-?\d+\.", token):
        return token[:-1]  # "120." -> "120"
    return {"true": "yes", "false": "no"}.get(token, token.replace("_", " "))


def _render(value: object) -> str:
    if isinstance(value, str):
        return _scalar(value)
    if isinstance(value, list):
        return ", ".join(part for part in map(_render, value) if part)
    assert isinstance(value, dict)
    fields = {k: v for k, v in value.items() if k not in _SKIPPED}
    if "value" in fields and isinstance(fields.get("unit"), str):
        text = f"{_render(fields['value'])} {_scalar(str(fields['unit']))}"
        normal = fields.get("normalized_value")
        if isinstance(normal, dict) and normal.get("unit") not in (None, fields["unit"]):
            text += f" ({_render(normal)})"
        return text
    if set(fields) == {"value"}:
        return _render(fields["value"])
    return ", ".join(f"{_words(k)} {_render(v)}" for k, v in fields.items() if k != "unit")


def readable_attribute(text: str) -> str:
    """`key: { ... }` as "key words: plain value"; any other text comes back unchanged."""
    match = _DUMP.match(text)
    if match is None:
        return text
    reader = _Reader(match.group(2))
    values: list[object] = []
    try:
        while True:  # several records: "{ value:"brass" }; { value:"plastic" }"
            values.append(reader.value())
            if reader.peek() != ";":
                break
            reader.at += 1
        if reader.at != len(reader.text.rstrip()):
            return text
    except _Unparsable:
        return text
    rendered = _render(values)
    return f"{_words(match.group(1))}: {rendered}" if rendered else text
