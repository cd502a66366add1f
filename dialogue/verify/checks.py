"""Verdicts: is each claim supported by the turn's facts, contradicted by them, or neither?

Prices and stock are compared only with the catalog's structured values, never
with passage text (a review's "I paid $20" is not the price). Numbers with units
are matched unit-normalised against the subject's attributes and passages.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

from dialogue.verify.claims import Claim
from dialogue.verify.counted import counted_words, fact_context
from dialogue.verify.facts import Evidence, FactSet, humanize_key, slot_of_key, value_truth
from dialogue.verify.lexicon import STOCK_PHRASES, Term
from dialogue.verify.numbers import Quantity
from dialogue.verify.terms import occurrences, polarity_in
from dialogue.verify.units import UNITS, format_number, format_price

Verdict = Literal["supported", "contradicted", "unsupported"]


@dataclass(frozen=True)
class ClaimCheck:
    """A claim and what the facts say about it."""

    claim: Claim
    verdict: Verdict
    citations: tuple[str, ...] = ()
    expected: str = ""  # the catalog's value as text, when contradicted ("¥299", "in stock")
    expected_value: float | None = None
    expected_unit: str = ""  # unit key (or currency code) of expected_value, for a repair
    reason: str = ""

    def to_dict(self) -> dict[str, object]:
        return {
            "claim": self.claim.to_dict(),
            "verdict": self.verdict,
            "citations": list(self.citations),
            "expected": self.expected,
            "expected_value": self.expected_value,
            "expected_unit": self.expected_unit,
            "reason": self.reason,
        }


def _ok(claim: Claim, *citations: str) -> ClaimCheck:
    return ClaimCheck(claim, "supported", tuple(dict.fromkeys(citations)))


def _no(claim: Claim, reason: str) -> ClaimCheck:
    return ClaimCheck(claim, "unsupported", reason=reason)


def check_claim(claim: Claim, facts: FactSet) -> ClaimCheck:
    if claim.kind == "number":
        return _no(claim, "a number no rule could read")
    if claim.kind == "product":
        field = "sku" if claim.term == "sku" else "title"
        return _ok(claim, *(f"{sku}#{field}" for sku in claim.subjects))
    if claim.kind == "code":
        return _check_code(claim, facts)
    if claim.kind == "unchecked":
        return _no(claim, "a price or stock statement no catalog field confirms")
    if not claim.subjects:
        if claim.kind in ("price", "stock"):
            return _no(claim, "no product named or in focus")
        return _check_subject(claim, facts, None)
    checks = [_check_subject(claim, facts, sku) for sku in claim.subjects]
    if all(c.verdict == "supported" for c in checks):
        return _ok(claim, *(cit for c in checks for cit in c.citations))
    if all(c.verdict == "contradicted" for c in checks) and len({c.expected for c in checks}) == 1:
        return checks[0]
    if len(checks) == 1:
        return checks[0]
    return _no(claim, "true for some of the products the name fits, not all")


def _check_subject(claim: Claim, facts: FactSet, sku: str | None) -> ClaimCheck:
    if claim.kind == "price":
        return _check_price(claim, facts, sku)
    if claim.kind == "stock":
        return _check_stock(claim, facts, sku)
    if claim.kind == "comparison":
        return _check_comparison(claim, facts, sku)
    if claim.kind == "policy":
        evidence = facts.evidence_for(sku) if sku else []
        evidence += facts.policy_evidence(frozenset(claim.topics))
        if claim.value is not None:
            docs = facts.policy_evidence(frozenset(claim.topics)) if claim.topics else []
            return _check_number(claim, evidence, docs)
        return _check_term(claim, facts, evidence, sku)
    evidence = facts.evidence_for(sku)
    if claim.kind == "quantity":
        return _check_number(claim, evidence, [e for e in evidence if e.attr_key])
    return _check_term(claim, facts, evidence, sku)


def _check_price(claim: Claim, facts: FactSet, sku: str | None) -> ClaimCheck:
    product = facts.product(sku)
    if product is None or product.price is None or claim.value is None:
        return _no(claim, "the catalog has no price for this product")
    code = product.currency_code
    currency_ok = not claim.currencies or not code or code in claim.currencies
    citation = product.citation("price")
    if currency_ok and abs(claim.value - product.price) < 0.005:
        return _ok(claim, citation)
    return ClaimCheck(
        claim,
        "contradicted",
        (citation,),
        format_price(product.price, code),
        product.price,
        code,
        reason="the catalog price differs",
    )


def _check_stock(claim: Claim, facts: FactSet, sku: str | None) -> ClaimCheck:
    product = facts.product(sku)
    if product is None or product.stock is None:
        return _no(claim, "the catalog has no stock level for this product")
    citation = product.citation("stock")
    if claim.term == "stock_count":
        if claim.value == product.stock:
            return _ok(claim, citation)
        return ClaimCheck(
            claim,
            "contradicted",
            (citation,),
            str(product.stock),
            float(product.stock),
            reason="the catalog stock differs",
        )
    in_stock = product.stock > 0
    if claim.polarity == in_stock:
        return _ok(claim, citation)
    return ClaimCheck(
        claim,
        "contradicted",
        (citation,),
        STOCK_PHRASES[("en", in_stock)],
        float(product.stock),
        reason="the catalog stock says otherwise",
    )


def _check_comparison(claim: Claim, facts: FactSet, sku: str | None) -> ClaimCheck:
    """Cheaper/pricier than another product, or the cheapest of the turn's products."""
    product = facts.product(sku)
    if product is None or product.price is None:
        return _no(claim, "the catalog has no price for this product")
    if claim.term in ("cheapest", "priciest"):
        others = [p for p in facts.products if p.sku != sku and p.price is not None]
    else:
        other = facts.product(claim.other)
        others = [other] if other is not None and other.price is not None else []
    others = [p for p in others if p.currency_code == product.currency_code]
    if not others:
        return _no(claim, "nothing to compare the price with")
    price = product.price
    prices = [p.price for p in others if p.price is not None]
    holds = {
        "cheapest": price <= min(prices),
        "priciest": price >= max(prices),
        "cheaper": price < prices[0],
        "pricier": price > prices[0],
    }[claim.term]
    citations = tuple(p.citation("price") for p in (product, *others))
    if holds:
        return ClaimCheck(claim, "supported", citations)
    return ClaimCheck(claim, "contradicted", citations, reason="the catalog prices say otherwise")


def quantity_matches(claim: Claim, q: Quantity) -> bool:
    """The same figure, unit-normalised: 1.5 kg == 1500 g, 30 days == 30天, ¥299 == 299元."""
    if claim.value is None:
        return False
    if claim.dimension == "money":
        if q.dimension != "money":
            return False
        if claim.currencies and q.currencies and not set(claim.currencies) & q.currencies:
            return False
        return abs(claim.value - q.value) < 0.005
    if claim.dimension:
        if q.dimension != claim.dimension:
            return False
        if claim.unit == q.unit:
            return math.isclose(claim.value, q.value, rel_tol=1e-9, abs_tol=1e-9)
        base = claim.value * UNITS[claim.unit].factor
        return math.isclose(base, q.base, rel_tol=0.005)  # conversions round: 1 lb ~ 454 g
    # A bare number ("3 motors", "eight") is supported by the same figure in the facts.
    return math.isclose(claim.value, q.value, rel_tol=1e-9, abs_tol=1e-9)


def _same_context(claim: Claim, q: Quantity) -> bool:
    return bool(set(claim.following) & set(q.following))


def _counts_same(claim: Claim, evidence: Evidence, q: Quantity) -> bool:
    """A bare figure's fact must count what the claim counts ("2 molds", not "2 adults")."""
    if claim.dimension or not claim.counts:
        return True
    context = (
        counted_words(evidence.text)
        if evidence.attr_key  # "number of players: 2-6": the key names what is counted
        else fact_context(evidence.folded, q.start, q.end)
    )
    return not context.isdisjoint(claim.counts)


def _check_number(claim: Claim, evidence: list[Evidence], structured: list[Evidence]) -> ClaimCheck:
    matches = [(e, q) for e in evidence for q in e.quantities if quantity_matches(claim, q)]
    counted = [(e, q) for e, q in matches if _counts_same(claim, e, q)]
    if matches and not counted:
        return _no(claim, "no fact with this figure counts the same thing")
    matches = counted
    if matches:
        # cite the fact where the figure counts the same thing ("3 motors"), if there is one
        best = next((e for e, q in matches if _same_context(claim, q)), matches[0][0])
        return _ok(claim, best.citation)
    if claim.dimension and claim.dimension != "money":
        # One catalog value of this kind (one weight, one capacity): the claim contradicts it.
        same = {
            (q.base, q.value, q.unit, e.citation)
            for e in structured
            for q in e.quantities
            if q.dimension == claim.dimension
        }
        if len({round(b, 9) for b, _, _, _ in same}) == 1:
            _, value, unit, citation = sorted(same)[0]
            text = f"{format_number(value)} {UNITS[unit].symbol}" if unit else format_number(value)
            return ClaimCheck(
                claim,
                "contradicted",
                (citation,),
                text,
                value,
                unit,
                reason="the catalog value differs",
            )
    return _no(claim, "no fact states this number")


def _check_code(claim: Claim, facts: FactSet) -> ClaimCheck:
    code = claim.term
    for p in facts.products:
        if p.sku.lower() == code:
            return _ok(claim, p.citation("sku"))
    term = Term("code", (code,))
    for e in facts.evidence:
        if next(occurrences(e.folded, term), None) is not None:
            return _ok(claim, e.citation)
    return _no(claim, "no fact names this code")


def _term_truth(claim: Claim, evidence: list[Evidence]) -> tuple[bool | None, str, str]:
    """What the evidence says about the term: (truth or None, citation, the fact's text)."""
    term = Term(claim.term, claim.forms, claim.slot)
    structured: list[tuple[bool, Evidence]] = []
    for e in evidence:
        if not e.attr_key:
            continue
        hk = humanize_key(e.attr_key)
        value_text = e.folded.split(": ", 1)[-1]
        if claim.slot:
            if slot_of_key(e.attr_key) == claim.slot or claim.slot == f"key:{hk}":
                structured.append((next(occurrences(value_text, term), None) is not None, e))
            continue
        if hk in {f.lower() for f in claim.forms} or claim.term == f"key:{hk}":
            truth = value_truth(e.attr_value)
            structured.append((truth if truth is not None else bool(value_text.strip()), e))
            continue
        hit = next(occurrences(value_text, term), None)
        if hit is not None:
            structured.append((polarity_in(value_text, hit[0]), e))
    if structured:
        truths = {t for t, _ in structured}
        if claim.slot and True in truths:
            e = next(e for t, e in structured if t)
            return True, e.citation, e.text
        if len(truths) == 1:
            return structured[0][0], structured[0][1].citation, structured[0][1].text
        return None, "", ""
    said: list[tuple[bool, Evidence]] = []
    for e in evidence:
        if e.attr_key:
            continue
        for start, _ in occurrences(e.folded, term):
            said.append((polarity_in(e.folded, start), e))
    if said and len({t for t, _ in said}) == 1:
        return said[0][0], said[0][1].citation, said[0][1].text
    return None, "", ""


def _check_term(
    claim: Claim, facts: FactSet, evidence: list[Evidence], sku: str | None
) -> ClaimCheck:
    truth, citation, text = _term_truth(claim, evidence)
    if claim.slot and truth is not True and sku:
        # "comes in red": true of the product when a variant of its family is red
        for sibling in facts.family_of(sku):
            s_truth, s_cit, s_text = _term_truth(claim, facts.evidence_for(sibling.sku))
            if s_truth:
                truth, citation, text = True, s_cit, s_text
                break
    if truth is None:
        return _no(claim, "no fact states this")
    if truth == claim.polarity:
        return _ok(claim, citation)
    return ClaimCheck(claim, "contradicted", (citation,), text, reason="the facts say otherwise")
