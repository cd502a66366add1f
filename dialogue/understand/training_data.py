"""The labelled utterances the intent classifier learns from, and how they are varied.

The packaged file holds hand-written English and Chinese requests for every
intent. Training adds noisy copies (dropped, doubled and swapped letters,
pleasantries around the request) because shoppers type fast on phones; the
variation is seeded, so the same file always trains the same model.
"""

from __future__ import annotations

import hashlib
import json
import random
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from dialogue.understand.intents import INTENTS
from dialogue.understand.language import detect_language

PACKAGED_TRAIN = "train.jsonl"


@dataclass(frozen=True)
class Example:
    text: str
    intent: str
    lang: str = ""


def load_examples(path: Path | None = None) -> list[Example]:
    """Read `{"text", "intent"[, "lang"]}` lines; the packaged set when `path` is None."""
    if path is None:
        data = resources.files("dialogue.understand").joinpath("data")
        raw = data.joinpath(PACKAGED_TRAIN).read_text(encoding="utf-8")
    else:
        raw = path.read_text(encoding="utf-8")
    examples: list[Example] = []
    for number, line in enumerate(raw.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise ValueError(f"line {number}: not JSON ({exc.msg})") from exc
        text = row.get("text") if isinstance(row, dict) else None
        intent = row.get("intent") if isinstance(row, dict) else None
        if not isinstance(text, str) or not text.strip() or not isinstance(intent, str):
            raise ValueError(f'line {number}: expected {{"text", "intent"}} strings')
        if intent not in INTENTS:
            raise ValueError(f"line {number}: unknown intent {intent!r}")
        lang = row.get("lang")
        examples.append(
            Example(text, intent, lang if isinstance(lang, str) and lang else detect_language(text))
        )
    return examples


def examples_hash(examples: list[Example]) -> str:
    digest = hashlib.sha256()
    for ex in examples:
        digest.update(f"{ex.intent}\t{ex.text}\n".encode())
    return digest.hexdigest()


# Words around a request that say nothing about its intent.
_EN_BEFORE = (
    "hi, ",
    "hello ",
    "hey ",
    "please ",
    "excuse me, ",
    "sorry, ",
    "quick question: ",
    "i need help: ",
    "can you help? ",
    "good morning, ",
)
_EN_AFTER = (
    " please",
    " pls",
    " thanks",
    " thank you",
    " asap",
    "?",
    " now",
    " !!",
    ", can you help me?",
    " ty",
)
_ZH_BEFORE = ("你好，", "您好，", "请问", "麻烦", "在吗，", "亲，", "客服，", "那个，")
_ZH_AFTER = ("，谢谢", "谢谢", "？", "吗", "啊", "呢", "，麻烦了", "，急", "！")


def _typo(text: str, rng: random.Random) -> str:
    """One keyboard slip in a word of four letters or more."""
    words = text.split(" ")
    candidates = [i for i, w in enumerate(words) if len(w) >= 4 and w.isalpha()]
    if not candidates:
        return text
    i = rng.choice(candidates)
    w = words[i]
    j = rng.randrange(1, len(w) - 1)
    kind = rng.randrange(3)
    if kind == 0:
        w = w[:j] + w[j + 1 :]  # dropped letter
    elif kind == 1:
        w = w[:j] + w[j] + w[j:]  # doubled letter
    else:
        w = w[: j - 1] + w[j] + w[j - 1] + w[j + 1 :]  # swapped letters
    words[i] = w
    return " ".join(words)


def augment(examples: list[Example], copies: int = 2, seed: int = 13) -> list[Example]:
    """The examples plus `copies` noisy variants of each.

    Each example's variants depend only on its own text and the seed, so adding a
    line to the file leaves the variants of every other line unchanged.
    """
    out = list(examples)
    for ex in examples:
        digest = hashlib.sha256(f"{seed}\t{ex.text}".encode()).digest()
        rng = random.Random(int.from_bytes(digest[:8], "big"))
        for _ in range(copies):
            text = ex.text
            if ex.lang == "zh":
                if rng.random() < 0.5:
                    text = rng.choice(_ZH_BEFORE) + text
                if rng.random() < 0.5:
                    text = text + rng.choice(_ZH_AFTER)
            else:
                if rng.random() < 0.7:
                    text = _typo(text, rng)
                if rng.random() < 0.3:
                    text = rng.choice(_EN_BEFORE) + text
                if rng.random() < 0.3:
                    text = text + rng.choice(_EN_AFTER)
                if rng.random() < 0.3:
                    text = text.lower()
            if text != ex.text:
                out.append(Example(text, ex.intent, ex.lang))
    return out
