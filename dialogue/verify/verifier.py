"""One decision per sentence: send it with citations, repair it from the catalog, or drop it.

- every claim supported: send, citing the facts;
- a price, stock level or number contradicted: substitute the catalog value
  when the substitution is unambiguous (one such figure, no "under", "cheaper",
  not a question), then check the repaired sentence again; otherwise drop;
- any claim unsupported: drop;
- no figure or yes/no claim: sent with a citation when one fact sentence holds
  most of its content words with the same negation (`support.py`), dropped when
  none does; chatter with no content words ("happy to help") passes unchanged.
  A digit no rule could read is itself an unsupported claim, so a passing
  sentence states no figure.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from dataclasses import dataclass, replace
from typing import Literal

from dialogue.verify.checks import ClaimCheck, check_claim
from dialogue.verify.claims import extract_claims
from dialogue.verify.facts import FactSet
from dialogue.verify.lexicon import LEADING_ANSWER_RE, STOCK_PHRASES
from dialogue.verify.support import word_support
from dialogue.verify.text import (
    LINK_RE,
    Lang,
    clause_bounds,
    detect_lang,
    fold,
    has_cjk,
    normalise_link,
)
from dialogue.verify.units import format_number

Action = Literal["send", "repair", "drop", "pass"]
_REPAIRABLE = frozenset({"price", "stock", "quantity", "policy"})
_VERB_RE = re.compile(r"(is|are)(?:n't| not)?(?: currently)?\s+", re.IGNORECASE)
# Where an English stock phrase can be swapped for its opposite: "it is | in stock", "| Sold out".
_STOCK_LEAD_RE = re.compile(
    r"(?:^|[,;:.!?]\s*|\b(?:is|are|it's|they're|currently|now|still|be)\s+)$", re.IGNORECASE
)


@dataclass(frozen=True)
class SentenceVerdict:
    """What happens to one sentence, and why (kept with the turn's transcript)."""

    sentence: str
    text_to_send: str | None  # None: dropped
    action: Action
    claims: tuple[ClaimCheck, ...]
    citations: tuple[str, ...]
    subjects: tuple[str, ...] = ()  # SKUs the sentence names unambiguously, in order
    reason: str = ""
    lang: Lang = "en"

    @property
    def sent(self) -> bool:
        return self.text_to_send is not None

    def to_dict(self) -> dict[str, object]:
        return {
            "sentence": self.sentence,
            "text_to_send": self.text_to_send,
            "action": self.action,
            "claims": [c.to_dict() for c in self.claims],
            "citations": list(self.citations),
            "subjects": list(self.subjects),
            "reason": self.reason,
            "lang": self.lang,
        }


def verify_sentence(
    sentence: str, facts: FactSet, focus_sku: str | None = None, lang: Lang | None = None
) -> SentenceVerdict:
    """Check every claim of one sentence against the turn's facts and decide its fate.

    `lang` is the reply's language, recorded with the verdict (detected when None).
    """
    return replace(_decide(sentence, facts, focus_sku), lang=lang or detect_lang(sentence))


def _decide(sentence: str, facts: FactSet, focus_sku: str | None) -> SentenceVerdict:
    if is_garbled(sentence):
        return _dropped(sentence, (), (), "garbled text")
    # An address the facts do not hold is invented: a dead page at best, a lure at worst.
    links = LINK_RE.findall(sentence)
    invented = [link for link in links if normalise_link(link) not in facts.links]
    if invented:
        return _dropped(sentence, (), (), f"unsupported: link {invented[0]!r} is in no fact")
    verdict = _verify(sentence, facts, focus_sku)
    if verdict.action != "drop" or not any(c.verdict == "contradicted" for c in verdict.claims):
        return verdict
    if any(c.verdict == "unsupported" for c in verdict.claims):
        return verdict
    repaired = _repair(sentence, verdict.claims)
    if repaired is None:
        return verdict
    again = _verify(repaired, facts, focus_sku)
    if again.action not in ("send", "pass"):
        return _dropped(sentence, verdict.claims, verdict.subjects, "the repair did not verify")
    return SentenceVerdict(
        sentence,
        repaired,
        "repair",
        verdict.claims,
        again.citations,
        verdict.subjects,
        "repaired from the catalog",
    )


def is_garbled(sentence: str) -> bool:
    """Undecodable bytes, control characters, or mostly symbols: a broken model, not prose."""
    if "\ufffd" in sentence or any(
        unicodedata.category(ch) == "Cc" and not ch.isspace() for ch in sentence
    ):
        return True
    visible = [ch for ch in sentence if not ch.isspace()]
    wordlike = sum(1 for ch in visible if ch.isalnum())
    return len(visible) >= 4 and wordlike < len(visible) / 2


def _verify(sentence: str, facts: FactSet, focus_sku: str | None) -> SentenceVerdict:
    claims = extract_claims(sentence, facts, focus_sku)
    checks = tuple(check_claim(c, facts) for c in claims)
    subjects = tuple(
        dict.fromkeys(
            c.claim.subjects[0]
            for c in checks
            if c.claim.kind == "product" and len(c.claim.subjects) == 1
        )
    )
    if not checks:
        return _by_words(sentence, facts, subjects)
    bad = [c for c in checks if c.verdict != "supported"]
    if bad:
        first = bad[0]
        return _dropped(
            sentence, checks, subjects, f"{first.verdict}: {first.claim.text!r} ({first.reason})"
        )
    citations = tuple(dict.fromkeys(cit for c in checks for cit in c.citations))
    if all(c.claim.kind == "product" for c in checks):
        # Only names were checked: what the sentence says about them needs word support,
        # or "这款充电宝适合露营" would pass on the strength of "充电宝" alone.
        support = word_support(_without_spans(sentence, checks), facts)
        if support is None:  # the name and conversation: "I recommend the KF-PB-20K."
            return SentenceVerdict(sentence, sentence, "send", checks, citations, subjects)
        if not support.supported or support.citation is None:
            return _dropped(sentence, checks, subjects, f"unsupported: {support.reason}")
        citations = tuple(dict.fromkeys((*citations, support.citation)))
        return SentenceVerdict(sentence, sentence, "send", checks, citations, subjects)
    mismeasured = _mismeasured(sentence, checks)
    if mismeasured is not None:
        return _dropped(sentence, checks, subjects, f"unsupported: {mismeasured}")
    support = word_support(sentence, facts)
    if support is not None and support.opposite:
        # every figure is right, but the sentence denies what its fact affirms (or the
        # reverse): "it does not have 3 motors"
        return _dropped(sentence, checks, subjects, f"unsupported: {support.reason}")
    return SentenceVerdict(sentence, sentence, "send", checks, citations, subjects)


# Words that name what a figure measures. The facts confirm a figure, not what the
# sentence says it measures: "the weight limit is 42 inches" passes the number check
# on "fits riders up to 42 inches tall".
_MEASURE_WORDS: tuple[tuple[str, frozenset[str], re.Pattern[str]], ...] = (
    ("mass", frozenset({"mass"}), re.compile(r"\b(?:weigh\w*|heav(?:y|ier|iest))\b|重量|多重")),
    (
        "length",
        frozenset({"length"}),
        re.compile(
            r"\b(?:height|tall(?:er|est)?|length|width|depth|diameter)\b|身高|长度|宽度|高度|直径"
        ),
    ),
    ("calendar", frozenset({"calendar"}), re.compile(r"\bages?\b|年龄|月龄")),
    # what a thing holds: a volume, a battery's charge or energy, a load, a memory
    (
        "capacity",
        frozenset({"volume", "charge", "energy", "mass", "data"}),
        re.compile(r"\bcapacit(?:y|ies)\b|容量"),
    ),
    ("volume", frozenset({"volume"}), re.compile(r"\bvolume\b|容积")),
)


def _mismeasured(sentence: str, checks: tuple[ClaimCheck, ...]) -> str | None:
    """A figure whose unit measures something other than what the clause names before it."""
    folded = fold(sentence)
    for check in checks:
        claim = check.claim
        if claim.kind != "quantity" or not claim.dimension:
            continue
        left, _ = clause_bounds(folded, *claim.span)
        named = [
            (m.start(), measure, dimensions)
            for measure, dimensions, words in _MEASURE_WORDS
            for m in words.finditer(folded, left, claim.span[0])
        ]
        if not named:
            continue
        _, measure, dimensions = max(named)  # the nearest one before the figure
        if claim.dimension not in dimensions:
            return f"{claim.text!r} measures {claim.dimension}, not {measure}"
    return None


def _without_spans(sentence: str, checks: tuple[ClaimCheck, ...]) -> str:
    """The sentence with each checked claim's words, and links, blanked out."""
    text = sentence
    for check in sorted(checks, key=lambda c: c.claim.span[0], reverse=True):
        start, end = check.claim.span
        text = text[:start] + " " + text[end:]
    # a product page's address is not prose (it was checked whole in `_decide`)
    return LINK_RE.sub(" ", text)


def _by_words(sentence: str, facts: FactSet, subjects: tuple[str, ...]) -> SentenceVerdict:
    """No figure to check: chatter passes; content must be said by one fact sentence."""
    support = word_support(sentence, facts)
    if support is None:
        return SentenceVerdict(sentence, sentence, "pass", (), (), subjects, "no claims")
    if not support.supported or support.citation is None:
        return _dropped(sentence, (), subjects, f"unsupported: {support.reason}")
    return SentenceVerdict(
        sentence, sentence, "send", (), (support.citation,), subjects, support.reason
    )


def _dropped(
    sentence: str, checks: tuple[ClaimCheck, ...], subjects: tuple[str, ...], reason: str
) -> SentenceVerdict:
    return SentenceVerdict(sentence, None, "drop", checks, (), subjects, reason)


def _repair(sentence: str, checks: tuple[ClaimCheck, ...]) -> str | None:
    """The sentence with each contradicted figure replaced by the catalog's, or None."""
    if sentence.rstrip().endswith(("?", "？")):
        return None  # "Is it ¥199?" repaired would put words in the shopper's mouth
    edits: list[tuple[int, int, str]] = []
    for check in checks:
        if check.verdict != "contradicted":
            continue
        claim = check.claim
        if claim.kind not in _REPAIRABLE or set(claim.qualifiers) & {
            "bound",
            "comparative",
            "free",
        }:
            return None
        rivals = [
            c
            for c in checks
            if c.claim.kind == claim.kind
            and c.claim.term == claim.term
            and set(c.claim.subjects) & set(claim.subjects)
        ]
        if len(rivals) > 1:
            return None  # "was ¥399, now ¥299": which one is the price?
        edit = _edit(sentence, check)
        if edit is None:
            return None
        edits.append(edit)
    edits.sort()
    for (_, end, _), (start, _, _) in itertools.pairwise(edits):
        if start < end:
            return None
    text = sentence
    for start, end, new in reversed(edits):
        text = text[:start] + new + text[end:]
    return _drop_leading_answer(text)


def _edit(sentence: str, check: ClaimCheck) -> tuple[int, int, str] | None:
    claim = check.claim
    value = check.expected_value
    if value is None:
        return None
    if claim.kind == "stock" and claim.term == "in_stock":
        start, end = claim.span
        if not has_cjk(claim.text) and not _STOCK_LEAD_RE.search(sentence[:start]):
            return None  # "plenty in stock" cannot become "plenty out of stock"
        phrase = STOCK_PHRASES[("zh" if has_cjk(claim.text) else "en", value > 0)]
        verb = _VERB_RE.match(claim.text)
        if verb and not has_cjk(claim.text):
            phrase = f"{verb.group(1)} {phrase}"
        return start, end, phrase
    if claim.number_span is None or _glued(sentence, claim.number_span[0], claim.span[1]):
        return None
    if claim.kind == "stock":
        if value <= 0:
            return None  # "only 3 left" cannot become "only 0 left"
        return (*claim.number_span, str(round(value)))
    if claim.kind == "price" or claim.dimension == "money":
        code = check.expected_unit  # the catalog currency
        if not claim.currencies or not code or code in claim.currencies:
            return (*claim.number_span, format_number(value))
        return (*claim.span, check.expected)  # "$10" for a yuan price: the sign changes too
    if claim.unit == check.expected_unit:
        return (*claim.number_span, format_number(value))
    return (*claim.span, check.expected)


def _glued(sentence: str, start: int, end: int) -> bool:
    """A figure written into a longer word ("twenty-something"): no clean place to substitute."""
    before, after = sentence[start - 1 : start], sentence[end : end + 2]
    return (before.isascii() and before.isalpha()) or bool(re.match(r"-?[A-Za-z]", after))


def _drop_leading_answer(text: str) -> str:
    """ "Yes, it is ¥299" after a repair answered the wrong question: keep only the fact."""
    stripped = LEADING_ANSWER_RE.sub("", text, count=1)
    if stripped and stripped != text and stripped[0].isascii():
        stripped = stripped[0].upper() + stripped[1:]
    return stripped or text


class TurnVerifier:
    """Verifies a turn's sentences in order, following the product each one names.

    "The X costs ¥299. It is waterproof." — "It" is the X: after a sentence that
    names one product unambiguously, that product is the focus of the next.
    """

    def __init__(self, facts: FactSet, focus_sku: str | None = None, lang: Lang | None = None):
        self.facts = facts
        self.focus_sku = focus_sku
        self.lang = lang
        self._records: list[SentenceVerdict] = []

    def check(self, sentence: str) -> SentenceVerdict:
        verdict = verify_sentence(sentence, self.facts, self.focus_sku, self.lang)
        self._records.append(verdict)
        if verdict.subjects:
            self.focus_sku = verdict.subjects[-1]
        return verdict

    @property
    def records(self) -> tuple[SentenceVerdict, ...]:
        return tuple(self._records)

    @property
    def citations(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(c for r in self._records if r.sent for c in r.citations))

    def text(self) -> str:
        """The sentences that were sent, joined as the shopper saw them."""
        parts = [r.text_to_send for r in self._records if r.text_to_send]
        joiner = "" if (self.lang or detect_lang("".join(parts))) == "zh" else " "
        return joiner.join(parts)

    def to_json(self) -> list[dict[str, object]]:
        return [r.to_dict() for r in self._records]
