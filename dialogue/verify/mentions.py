"""Which products a sentence names: by SKU, or by a run of words from a product's name.

A model rarely copies a whole catalog title ("Anker PowerCore 10000 Portable
Charger, ..."); it writes "the Anker PowerCore 10000". A mention is the longest
run of the sentence's words found, in order, in a product's names. When
several products share the run (variants of one family), all are candidates
and the claim about them must hold for each, unless the turn's focus is one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from dialogue.verify.facts import FactSet
from dialogue.verify.text import EN_STOPWORDS, fold, name_tokens


@dataclass(frozen=True)
class Mention:
    start: int
    end: int
    skus: tuple[str, ...]  # candidates, several when the name fits several products equally
    by: Literal["sku", "name"]


_DETERMINER_RE = re.compile(r"(?:\b(?:the|this|that|our|your)\s+|这款|那款|这个|那个|该款?|此款)$")


def _accept(run: list[str], brand: str, distinctive: bool, after_determiner: bool) -> bool:
    """A run names a product when it is more than a stray common word.

    One word ("the speaker", "这款音箱") names a product only when no other
    product of the turn carries it and a determiner points at it.
    """
    latin = [t for t in run if t.isascii()]
    cjk = len(run) - len(latin)
    if any(t.isalnum() and not t.isdigit() and not t.isalpha() for t in latin):
        return True  # a model code such as "frs20"
    if "".join(run) == brand or " ".join(run) == brand:
        return bool(brand) and len(brand) >= 2
    content = [t for t in latin if t not in EN_STOPWORDS]
    if (len(latin) >= 2 and len(content) >= 1) or cjk >= 3 or (cjk >= 2 and bool(content)):
        return True
    short = (len(content) == 1 and len(content[0]) >= 4 and not cjk) or (cjk == 2 and not latin)
    return short and distinctive and after_determiner


def _runs(stoks: list[str], name: list[str]) -> list[tuple[int, int]]:
    """Maximal common runs (sentence token ranges) between the sentence and one name."""
    found: list[tuple[int, int]] = []
    prev = [0] * (len(name) + 1)
    for i, tok in enumerate(stoks):
        cur = [0] * (len(name) + 1)
        for j, ntok in enumerate(name):
            if tok == ntok:
                cur[j + 1] = prev[j] + 1
        for j in range(len(name)):
            length = cur[j + 1]
            nxt_same = i + 1 < len(stoks) and j + 1 < len(name) and stoks[i + 1] == name[j + 1]
            if length and not nxt_same:
                found.append((i - length + 1, i + 1))
        prev = cur
    return found


def find_mentions(sentence: str, facts: FactSet) -> list[Mention]:
    folded = fold(sentence)
    mentions: list[Mention] = []
    for p in facts.products:
        if len(p.sku) < 3:
            continue
        pattern = rf"(?<![a-z0-9]){re.escape(p.sku.lower())}(?![a-z0-9])"
        for m in re.finditer(pattern, folded):
            mentions.append(Mention(m.start(), m.end(), (p.sku,), "sku"))

    stoks = name_tokens(sentence)
    words = [t for t, _, _ in stoks]
    # (first token, end token, weight, sku) for every accepted run
    runs: list[tuple[int, int, float, str]] = []
    holders = facts.name_holders
    present = set(words)
    for sku, names in facts.names.items():
        product = facts.product(sku)
        brand = fold(product.brand).strip() if product else ""
        for name in names:
            if present.isdisjoint(name):
                continue
            for a, b in _runs(words, name):
                run = words[a:b]
                distinctive = all(holders.get(t) == frozenset({sku}) for t in run)
                after_determiner = _DETERMINER_RE.search(folded, 0, stoks[a][1]) is not None
                if _accept(run, brand, distinctive, after_determiner):
                    weight = sum(1.0 if t.isascii() else 0.5 for t in run)
                    runs.append((a, b, weight, sku))
    runs.sort()
    taken = [(m.start, m.end) for m in mentions]
    region: list[tuple[int, int, float, str]] = []
    sentinel = (len(words) + 1, len(words) + 1, 0.0, "")
    for item in [*runs, sentinel]:
        if region and item[0] >= max(x[1] for x in region):
            start = stoks[region[0][0]][1]
            end = stoks[max(x[1] for x in region) - 1][2]
            if not any(s < end and start < e for s, e in taken):
                best = max(x[2] for x in region)
                skus = tuple(dict.fromkeys(x[3] for x in region if x[2] == best))
                mentions.append(Mention(start, end, _narrow(skus, folded, facts), "name"))
            region = []
        if item[3]:
            region.append(item)
    mentions.sort(key=lambda m: m.start)
    return mentions


def _narrow(skus: tuple[str, ...], folded: str, facts: FactSet) -> tuple[str, ...]:
    """Among equally named variants, keep those whose attribute values the sentence names."""
    if len(skus) < 2:
        return skus
    scores = []
    for sku in skus:
        product = facts.product(sku)
        values = [fold(str(v)) for v in (product.attributes.values() if product else ())]
        scores.append(sum(1 for v in values if len(v) >= 2 and _contains_word(folded, v)))
    best = max(scores)
    if best == 0:
        return skus
    return tuple(s for s, score in zip(skus, scores, strict=True) if score == best)


def _contains_word(folded: str, value: str) -> bool:
    if value.isascii():
        return re.search(rf"(?<![a-z0-9]){re.escape(value)}(?![a-z0-9])", folded) is not None
    return value in folded
