"""Reading one sentence into the claims it makes: prices, stock, numbers, names, yes/no terms.

Extraction is greedy about what counts as a claim: a number that no rule can
read still becomes a claim ("number"), which no fact supports, so a sentence
never reaches the shopper with an unchecked figure.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from typing import Literal

from dialogue.verify.counted import claim_context
from dialogue.verify.facts import FactSet
from dialogue.verify.lexicon import (
    BOUND_RE,
    CHEAPER_RE,
    CHEAPEST_RE,
    COMPARATIVE_RE,
    FREE_RE,
    ORDER_CUE_RE,
    PRICE_CUE_RE,
    PRICIER_RE,
    PRICIEST_RE,
    STOCK_COUNT_RES,
    STOCK_IN_RE,
    STOCK_OUT_RE,
    UNCHECKABLE_RE,
    Term,
    topics_in,
)
from dialogue.verify.mentions import find_mentions
from dialogue.verify.numbers import Quantity, find_quantities
from dialogue.verify.numerals import parse_en_number, parse_zh_numeral
from dialogue.verify.terms import negated, polarity_in
from dialogue.verify.text import CJK, EN_STOPWORDS, clause_bounds, fold

ClaimKind = Literal[
    "price",
    "stock",
    "quantity",
    "policy",
    "attribute",
    "product",
    "code",
    "comparison",
    "unchecked",
    "number",
]

# A token with letters and digits: a SKU, a model or an order number ("FRS20", "A-1001", "IPX7").
_CODE_RE = re.compile(
    r"(?<![a-z0-9])(?=[a-z0-9-]*[a-z])(?=[a-z0-9-]*\d)[a-z0-9]+(?:-[a-z0-9]+)*(?![a-z0-9])"
)
_AFTER_PRICE_RE = re.compile(rf"\s*([a-z]+|[{CJK}])?")
_PRICE_PARTICLES = frozenset("的了哦啊呀吧呢起左以")
_BOUND_AFTER_RE = re.compile(r"\s*(?:左右|以内|以下|以上|起|上下|or less|or more|and up|\+)")
FREE_TERM = Term(
    "free", ("free", "免费", "包邮", "免运费", "免邮", "no charge", "不收费"), scope="policy"
)


@dataclass(frozen=True)
class Claim:
    """One checkable statement inside a sentence."""

    kind: ClaimKind
    text: str  # the words that make the claim
    span: tuple[int, int]
    subjects: tuple[str, ...] = ()  # SKUs it is about; several when the name is ambiguous
    value: float | None = None
    unit: str = ""  # unit key ("kg", "h", "mah"); currencies are in `currencies`
    dimension: str = ""  # "money", "mass", "time" ...; "" for a bare number
    currencies: tuple[str, ...] = ()
    polarity: bool = True  # False for "not waterproof", "out of stock"
    term: str = ""  # attribute term id; "stock_count" / "in_stock" for stock; "sku"/"name"
    slot: str = ""  # "color", "material": another value of the same slot contradicts
    forms: tuple[str, ...] = ()  # the term's words, looked up in the facts
    topics: tuple[str, ...] = ()  # policy topics of the claim's clause ("returns")
    qualifiers: tuple[str, ...] = ()  # "bound" (under ¥300), "comparative" (¥100 cheaper)
    number_span: tuple[int, int] | None = None  # the digits alone, for a repair
    following: tuple[str, ...] = ()  # words after a bare number: "3 motors" -> ("motor",)
    counts: tuple[str, ...] = ()  # what a bare number counts (verify/counted.py)
    other: str = ""  # the SKU a comparison is made against ("cheaper than <other>")

    @property
    def subject(self) -> str | None:
        return self.subjects[0] if len(self.subjects) == 1 else None

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


def _parse_number(text: str) -> float | None:
    digits = re.fullmatch(r"(\d+(?:\.\d+)?)(万|千)?", text)
    if digits:
        return float(digits.group(1)) * {"万": 1e4, "千": 1e3, None: 1.0}[digits.group(2)]
    return parse_zh_numeral(text) if re.search(f"[{CJK}]", text) else parse_en_number(text)


class _Reader:
    """State of one extraction: the sentence, the spans already read, the subjects named."""

    def __init__(self, sentence: str, facts: FactSet, focus_sku: str | None) -> None:
        self.sentence = sentence
        self.folded = fold(sentence)
        self.facts = facts
        self.mentions = find_mentions(sentence, facts)
        self.default = facts.default_subject(focus_sku)
        self.focus = focus_sku
        self.claims: list[Claim] = []
        self.taken: list[tuple[int, int]] = []

    def free(self, start: int, end: int) -> bool:
        return not any(s < end and start < e for s, e in self.taken)

    def in_name(self, start: int, end: int) -> bool:
        return any(m.start <= start and end <= m.end for m in self.mentions)

    def subjects(self, start: int, end: int) -> tuple[str, ...]:
        before = [m for m in self.mentions if m.end <= start]
        after = [m for m in self.mentions if m.start >= end]
        inside = [m for m in self.mentions if m.start <= start and end <= m.end]
        nearest = inside or before[-1:] or after[:1]
        if not nearest:
            return (self.default,) if self.default else ()
        chosen = nearest[-1]
        if self.focus is not None and self.focus in chosen.skus:
            return (self.focus,)
        return chosen.skus

    def add(self, claim: Claim) -> None:
        self.claims.append(claim)
        self.taken.append(claim.span)

    def clause(self, start: int, end: int) -> tuple[int, int, str]:
        cs, ce = clause_bounds(self.folded, start, end)
        return cs, ce, self.folded[cs:ce]


def extract_claims(sentence: str, facts: FactSet, focus_sku: str | None = None) -> list[Claim]:
    """Every claim in one sentence, each with the product(s) it is about."""
    r = _Reader(sentence, facts, focus_sku)
    for m in r.mentions:
        r.claims.append(
            Claim("product", sentence[m.start : m.end], (m.start, m.end), m.skus, term=m.by)
        )
    _stock(r)
    _terms(r)
    _comparisons(r)
    _free(r)
    _quantities(r)
    _codes(r)
    # Anything with a digit that no rule read is still a claim, and an unsupported one.
    covered = r.taken + [(m.start, m.end) for m in r.mentions]
    for digits in re.finditer(r"\d+(?:[.,]\d+)*", r.folded):
        span = digits.span()
        if not any(s <= span[0] and span[1] <= e for s, e in covered):
            r.add(Claim("number", digits.group(), span, r.subjects(*span)))
    r.claims.sort(key=lambda c: c.span)
    return r.claims


def _stock(r: _Reader) -> None:
    for rx in STOCK_COUNT_RES:
        for m in rx.finditer(r.folded):
            value = _parse_number(m.group(1))
            if value is None or not r.free(*m.span()):
                continue
            r.add(
                Claim(
                    "stock",
                    r.sentence[m.start() : m.end()],
                    m.span(),
                    r.subjects(*m.span()),
                    value=value,
                    term="stock_count",
                    number_span=m.span(1),
                )
            )
    for rx, polarity in ((STOCK_OUT_RE, False), (STOCK_IN_RE, True)):
        for m in rx.finditer(r.folded):
            if not r.free(*m.span()):
                continue
            stated = polarity if not negated(r.folded, m.start()) else not polarity
            r.add(
                Claim(
                    "stock",
                    r.sentence[m.start() : m.end()],
                    m.span(),
                    r.subjects(*m.span()),
                    polarity=stated,
                    term="in_stock",
                )
            )


def _terms(r: _Reader) -> None:
    for start, end, term in r.facts.term_index.find(r.folded):
        if not r.free(start, end):
            continue
        r.taken.append((start, end))
        polarity = polarity_in(r.folded, start)  # "Q: waterproof? A: no" says no
        if (term.id, polarity) in {(c.term, c.polarity) for c in r.claims}:
            continue  # "waterproof ... 防水": one claim is enough
        _, _, clause = r.clause(start, end)
        kind: ClaimKind = "policy" if term.scope == "policy" else "attribute"
        r.claims.append(
            Claim(
                kind,
                r.sentence[start:end],
                (start, end),
                r.subjects(start, end),
                polarity=polarity,
                term=term.id,
                slot=term.slot,
                forms=term.forms,
                topics=tuple(sorted(topics_in(clause))),
            )
        )


def _comparisons(r: _Reader) -> None:
    """ "A is cheaper than B", "A比B贵", "the cheapest"; promotions nobody can check."""
    rules = (
        (CHEAPEST_RE, "cheapest"),
        (PRICIEST_RE, "priciest"),
        (CHEAPER_RE, "cheaper"),
        (PRICIER_RE, "pricier"),
        (UNCHECKABLE_RE, ""),
    )
    for rx, term in rules:
        for m in rx.finditer(r.folded):
            start, end = m.span()
            if not r.free(start, end):
                continue
            text = r.sentence[start:end]
            if not term:
                r.add(Claim("unchecked", text, (start, end), r.subjects(start, end)))
            elif term in ("cheapest", "priciest"):
                r.add(Claim("comparison", text, (start, end), r.subjects(start, end), term=term))
            else:
                first, other = _pair(r, start, end)
                r.add(Claim("comparison", text, (start, end), first, term=term, other=other))


def _pair(r: _Reader, start: int, end: int) -> tuple[tuple[str, ...], str]:
    """The two products compared: "<A> is cheaper than <B>", "<A>比<B>便宜"."""
    cs, ce, _ = r.clause(start, end)
    named = [m for m in r.mentions if len(m.skus) == 1 and cs <= m.start and m.end <= ce]
    bi = r.folded.rfind("比", cs, start)
    if bi >= 0:
        firsts = [m for m in named if m.end <= bi]
        others = [m for m in named if bi < m.start and m.end <= start]
    else:
        firsts = [m for m in named if m.end <= start]
        others = [m for m in named if m.start >= end]
    first = firsts[-1].skus if firsts else ((r.default,) if r.default else ())
    return first, (others[0].skus[0] if others else "")


def _free(r: _Reader) -> None:
    for m in FREE_RE.finditer(r.folded):
        if not r.free(*m.span()):
            continue
        _, _, clause = r.clause(*m.span())
        topics = tuple(sorted(topics_in(clause)))
        text = r.sentence[m.start() : m.end()]
        subjects = r.subjects(*m.span())
        if topics:
            r.add(
                Claim(
                    "policy",
                    text,
                    m.span(),
                    subjects,
                    polarity=not negated(r.folded, m.start()),
                    term=FREE_TERM.id,
                    forms=FREE_TERM.forms,
                    topics=topics,
                )
            )
        else:  # "It's free": a price of zero
            r.add(
                Claim(
                    "price",
                    text,
                    m.span(),
                    subjects,
                    value=0.0,
                    dimension="money",
                    qualifiers=("free",),
                )
            )


def _quantities(r: _Reader) -> None:
    for q in find_quantities(r.sentence):
        if not r.free(q.start, q.end) or r.in_name(q.num_start, q.num_end):
            continue
        cs, _, clause = r.clause(q.start, q.end)
        topics = tuple(sorted(topics_in(clause)))
        before = r.folded[cs : q.num_start]
        price_cue = PRICE_CUE_RE.search(before) is not None
        kind: ClaimKind
        dimension = q.dimension
        if q.dimension == "money":
            shop_amount = (topics or ORDER_CUE_RE.search(clause)) and not price_cue
            kind = "policy" if shop_amount else "price"
        elif not q.dimension and price_cue and _ends_like_price(r.folded, q.end):
            kind, dimension = "price", "money"
        elif topics and q.dimension in ("time", "calendar", "percent", ""):
            kind = "policy"
        else:
            kind = "quantity"
        r.add(
            Claim(
                kind,
                r.sentence[q.start : q.end],
                (q.start, q.end),
                r.subjects(q.start, q.end),
                value=q.value,
                unit=q.unit,
                dimension=dimension,
                currencies=tuple(sorted(q.currencies)),
                topics=topics,
                qualifiers=_qualifiers(r, q, clause, before),
                number_span=(q.num_start, q.num_end),
                following=q.following,
                counts=() if dimension else tuple(sorted(claim_context(r.folded, q.start, q.end))),
            )
        )


def _ends_like_price(folded: str, end: int) -> bool:
    """ "售价299", "costs 299." are prices; "only 3 colours" is not."""
    if folded[end : end + 1] == "-":
        return False  # "twenty-something"
    m = _AFTER_PRICE_RE.match(folded, end)
    token = m.group(1) if m else None
    return token is None or token in EN_STOPWORDS or token in _PRICE_PARTICLES


def _qualifiers(r: _Reader, q: Quantity, clause: str, before: str) -> tuple[str, ...]:
    out = []
    if BOUND_RE.search(before[-14:]) or _BOUND_AFTER_RE.match(r.folded, q.end):
        out.append("bound")
    if COMPARATIVE_RE.search(clause):
        out.append("comparative")
    return tuple(out)


def _codes(r: _Reader) -> None:
    for m in _CODE_RE.finditer(r.folded):
        if r.free(*m.span()) and not r.in_name(*m.span()):
            r.add(
                Claim(
                    "code",
                    r.sentence[m.start() : m.end()],
                    m.span(),
                    r.subjects(*m.span()),
                    term=m.group(),
                )
            )
