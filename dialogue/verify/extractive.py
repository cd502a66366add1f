"""An answer made of the facts themselves, for when nothing the model wrote survives checking.

Price and stock questions are answered from the catalog fields; anything else
with the fact sentence closest to the question: by the search embedder's
similarity where one is given (`dialogue/similarity.py`), else by the rare words
it shares with the question, the retriever's order settling near-ties either
way. The answer goes through the same verifier
as generated text, so a review that quotes an old price is repaired or left out
like any other sentence.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from catalog.readable import readable_attribute
from dialogue.verify.facts import Evidence, FactSet, ProductFact
from dialogue.verify.lexicon import topics_in
from dialogue.verify.mentions import find_mentions
from dialogue.verify.sentences import split_sentences
from dialogue.verify.support import QA_PAIR
from dialogue.verify.text import Lang, content_tokens, detect_lang, fold, word_key
from dialogue.verify.units import format_price
from dialogue.verify.verifier import verify_sentence

_PRICE_Q = re.compile(r"price|cost|how much|expensive|cheap|价格|多少钱|价钱|售价|几块|贵|便宜")
_STOCK_Q = re.compile(
    r"in stock|availab|stock|sold out|有货|库存|现货|缺货|还有吗|能买|能下单|卖完"
)
_MAX_CHARS = 300
# Weight of the retriever's rank: the top passage gains this much, the second half as much.
RANK_PRIOR = 1.0
# The same on the embedder's cosine scale, where sentences differ by hundredths.
SIMILARITY_RANK_PRIOR = 0.05
# Sentences embedded for one answer at most, best-ranked passages first.
MAX_SIMILARITY_CANDIDATES = 64
# Runs of dots glued to the next word join sentences in scraped descriptions ("inside..this kit").
_GLUED_DOTS = re.compile(r"(?<=\w)\.{2,}(?=\w)")


class SentenceSimilarity(Protocol):
    """Similarity of each sentence to the question; below `minimum` nothing is quoted."""

    minimum: float

    def __call__(self, question: str, sentences: Sequence[str]) -> list[float]: ...

    def gates(self, question: str) -> bool:
        """Whether `minimum` alone decides what is close enough; else a shared word must too."""
        ...


@dataclass(frozen=True)
class ExtractiveAnswer:
    text: str
    citations: tuple[str, ...]


def extractive_answer(
    question: str,
    facts: FactSet,
    lang: Lang | None = None,
    focus_sku: str | None = None,
    similarity: SentenceSimilarity | None = None,
) -> ExtractiveAnswer | None:
    """Answer from the facts alone (catalog values or the best-matching fact sentence), or None."""
    lang = lang or detect_lang(question)
    product = _subject(question, facts, focus_sku)
    folded = fold(question)
    if product is not None and (_PRICE_Q.search(folded) or _STOCK_Q.search(folded)):
        answer = _catalog_answer(
            product, facts, bool(_PRICE_Q.search(folded)), bool(_STOCK_Q.search(folded)), lang
        )
        if answer is not None:
            return answer
    return _passage_answer(question, facts, product, lang, similarity)


def _subject(question: str, facts: FactSet, focus_sku: str | None) -> ProductFact | None:
    named = [m.skus[0] for m in find_mentions(question, facts) if len(m.skus) == 1]
    sku = named[-1] if named else facts.default_subject(focus_sku)
    return facts.product(sku)


def _catalog_answer(
    product: ProductFact, facts: FactSet, price: bool, stock: bool, lang: Lang
) -> ExtractiveAnswer | None:
    parts: list[str] = []
    if price and product.price is not None:
        value = format_price(product.price, product.currency_code)
        parts.append(f"价格：{value}" if lang == "zh" else f"Price: {value}")
    if stock and product.stock is not None:
        if lang == "zh":
            parts.append(f"库存：{product.stock}件" if product.stock > 0 else "库存：缺货")
        else:
            parts.append(f"{product.stock} in stock" if product.stock > 0 else "Out of stock")
    if not parts:
        return None
    text = ("，".join(parts) + "。") if lang == "zh" else ("; ".join(parts) + ".")
    if len(facts.products) > 1:
        name = product.title_zh if lang == "zh" and product.title_zh else product.title
        if name:
            text = f"{name}：{text}" if lang == "zh" else f"{name}: {text}"
    verdict = verify_sentence(text, facts, product.sku, lang)
    if verdict.text_to_send is None:
        return None
    return ExtractiveAnswer(verdict.text_to_send, verdict.citations)


def _sentences(text: str) -> list[str]:
    out: list[str] = []
    for sentence in split_sentences(text):
        parts = [p.strip() for p in _GLUED_DOTS.split(sentence) if p.strip()]
        out += [p + "." for p in parts[:-1]] + parts[-1:]
    return out


def _passage_answer(
    question: str,
    facts: FactSet,
    product: ProductFact | None,
    lang: Lang,
    similarity: SentenceSimilarity | None,
) -> ExtractiveAnswer | None:
    q_tokens = Counter(map(word_key, content_tokens(question)))
    if not q_tokens:
        return None
    pool: list[Evidence] = facts.evidence_for(product.sku) if product else list(facts.evidence)
    topics = topics_in(fold(question))
    if product is not None and topics:
        pool += facts.policy_evidence(topics)
    # the retriever's order (meaning and words together) settles near-ties
    rank: dict[tuple[str, str], int] = {}
    for i, passage in enumerate(facts.passages):
        rank.setdefault((passage.citation, passage.text), i)
    candidates: list[_Candidate] = []
    for e in pool:
        # a question and its answer stay together: "Q: dishwasher safe? A: no"
        # an attribute record is quoted in words: "item weight: 0.19 pounds"
        readable = readable_attribute(e.text)
        whole = QA_PAIR.match(e.text) or readable != e.text
        for sentence in [readable] if whole else _sentences(e.text):
            sentence = sentence[:_MAX_CHARS]
            toks = Counter(map(word_key, content_tokens(sentence)))
            candidates.append(_Candidate(sentence, e, toks, rank.get((e.citation, e.text))))
    if similarity is None:
        scored = _by_shared_words(q_tokens, candidates)
    else:
        scored = _by_similarity(question, q_tokens, candidates, similarity)
    for candidate in scored[:3]:
        e = candidate.evidence
        verdict = verify_sentence(
            candidate.sentence, facts, e.sku or (product.sku if product else None), lang
        )
        if e.sku and any(c.claim.dimension == "money" for c in verdict.claims):
            continue  # a sum in a review ("I paid $40") is no price: prices come from the catalog
        if verdict.action in ("send", "pass"):  # a quote is never "repaired" into a misquote
            cites = tuple(dict.fromkeys((e.citation, *verdict.citations)))
            return ExtractiveAnswer(candidate.sentence, cites)
    return None


@dataclass(frozen=True)
class _Candidate:
    sentence: str
    evidence: Evidence
    tokens: Counter[str]
    rank: int | None  # the passage's place in the retriever's order, None if not retrieved


def _by_shared_words(q_tokens: Counter[str], candidates: list[_Candidate]) -> list[_Candidate]:
    """Sentences sharing a word with the question, rarer shared words weighing more."""
    df: Counter[str] = Counter()
    for c in candidates:
        df.update(set(c.tokens))
    n = len(candidates) or 1
    scored: list[tuple[float, _Candidate]] = []
    for c in candidates:
        shared = q_tokens.keys() & c.tokens.keys()
        if not shared:
            continue
        # long sentences are not favoured for length alone
        score = sum(math.log(1 + n / df[t]) for t in shared) / math.sqrt(1 + len(c.tokens) / 8)
        score += 0.0 if c.rank is None else RANK_PRIOR / (1 + c.rank)
        scored.append((score, c))
    scored.sort(key=lambda pair: -pair[0])
    return [c for _, c in scored]


def _by_similarity(
    question: str,
    q_tokens: Counter[str],
    candidates: list[_Candidate],
    similarity: SentenceSimilarity,
) -> list[_Candidate]:
    """Sentences at least `similarity.minimum` close to the question, closest first."""
    if not similarity.gates(question):
        candidates = [c for c in candidates if q_tokens.keys() & c.tokens.keys()]
    ordered = sorted(candidates, key=lambda c: len(candidates) if c.rank is None else c.rank)
    ordered = ordered[:MAX_SIMILARITY_CANDIDATES]
    sims = similarity(question, [c.sentence for c in ordered]) if ordered else []
    scored = [
        (sim + (0.0 if c.rank is None else SIMILARITY_RANK_PRIOR / (1 + c.rank)), c)
        for sim, c in zip(sims, ordered, strict=True)
        if sim >= similarity.minimum
    ]
    scored.sort(key=lambda pair: -pair[0])
    return [c for _, c in scored]
