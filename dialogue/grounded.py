"""Generate an answer from facts and let only verified sentences through.

The model's reply is cut into sentences as it streams; each finished sentence
is checked against the turn's facts before the shopper sees it (send, repair
from the catalog, or drop). When nothing grounded survives, the answer comes
from the facts themselves, or says plainly that the shop's data does not say.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections.abc import AsyncIterator, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace

from catalog.readable import readable_attribute
from dialogue.lm.errors import LMError
from dialogue.lm.types import GenerationParams, LanguageModel
from dialogue.prompts import FactLine, HistoryLine, build_messages
from dialogue.types import Citation, SentenceOut
from dialogue.verify.extractive import SentenceSimilarity, extractive_answer
from dialogue.verify.facts import FactSet, ProductFact
from dialogue.verify.lexicon import LEADING_ANSWER_RE
from dialogue.verify.sentences import SentenceStream
from dialogue.verify.support import content_words, negated
from dialogue.verify.text import Lang, has_cjk
from dialogue.verify.verifier import SentenceVerdict, verify_sentence

log = logging.getLogger(__name__)


@dataclass
class GroundedResult:
    """What happened while answering, for the transcript."""

    verdicts: list[SentenceVerdict] = field(default_factory=list)
    sent: list[SentenceOut] = field(default_factory=list)
    model: str = ""
    tokens: int = 0
    first_sentence_ms: float | None = None
    fallback: str = ""  # "", "extractive", "no_facts", "model_down"
    model_error: str = ""  # why the model's reply failed or never came, for the transcript
    generate_ms: float = 0.0  # the model streaming, checks excluded
    verify_ms: float = 0.0  # checking sentences

    @property
    def failed_checks(self) -> int:
        return sum(1 for v in self.verdicts if v.action in ("drop", "repair"))

    @property
    def grounded(self) -> bool:
        return any(out.citations for out in self.sent)


def product_line(p: ProductFact, lang: str) -> str:
    stock = "unknown" if p.stock is None else ("in stock" if p.stock > 0 else "out of stock")
    title = p.title_zh if lang == "zh" and p.title_zh else p.title
    parts = [f"{title} (SKU {p.sku})"]
    if p.price is not None:
        parts.append(f"price {p.price:g} {p.currency}".rstrip())
    parts.append(f"stock: {stock}" + (f" ({p.stock})" if p.stock else ""))
    parts += [f"{k.replace('_', ' ')}: {v}" for k, v in p.attributes.items()]
    return "; ".join(parts)


def catalog_label(sku: str) -> str:
    """How a catalog row is labelled in the prompt."""
    return f"{sku}#catalog"


def prompt_facts(facts: FactSet, lang: str, max_products: int = 6) -> list[FactLine]:
    """Catalog rows first (they carry price and stock), then passages in retrieval order.

    A row that knows nothing but its SKU (no title, price, stock or attributes, as in
    catalogs scraped from pages) is left out: it costs prompt time and says nothing.
    """
    known = [p for p in facts.products if p.title or p.title_zh or p.price is not None
             or p.stock is not None or p.attributes]  # fmt: skip
    lines = [FactLine(catalog_label(p.sku), product_line(p, lang)) for p in known[:max_products]]
    lines += [FactLine(p.citation, readable_attribute(p.text)) for p in facts.passages]
    return lines


async def grounded_answer(
    question: str,
    facts: FactSet,
    *,
    lang: str,
    focus_sku: str | None,
    lm: LanguageModel | None,
    params: GenerationParams,
    history: Sequence[HistoryLine] = (),
    result: GroundedResult,
    similarity: SentenceSimilarity | None = None,
    min_relevance: float | None = None,
) -> AsyncIterator[SentenceOut]:
    """Stream verified sentences; fill `result` as it goes.

    With `similarity` and `min_relevance`, a generated sentence that cites facts must
    also come that close to the (non-Chinese) question, or it is dropped: true of the
    product, but no answer to what was asked (see `_Relevance`).
    """
    started = time.perf_counter()
    if lm is not None and (facts.products or facts.passages):
        result.model = lm.name
        budget = lm.context_window - params.max_new_tokens
        messages = build_messages(
            question,
            prompt_facts(facts, lang),
            history,
            lang,
            count_tokens=lm.count_tokens,
            budget_tokens=budget,
        )
        splitter, answers = SentenceStream(), _BareAnswerJoiner()
        lm_started = time.perf_counter()
        try:
            stream = lm.stream(messages, params)
            relevance = _Relevance(question, similarity, min_relevance)

            async def send(sentence: str) -> SentenceVerdict | None:
                """Records the final verdict once; returns it only if it is to be sent."""
                verdict = await relevance.judge(
                    _check(sentence, question, facts, focus_sku, lang, result)
                )
                result.verdicts.append(verdict)
                return verdict if verdict.text_to_send and verdict.text_to_send.strip() else None

            async for delta in stream:
                result.tokens += 1
                for sentence in answers.join(splitter.feed(delta)):
                    if (verdict := await send(sentence)) is not None:
                        yield _sent(verdict, result, started)
            for sentence in answers.join(splitter.flush()):
                if (verdict := await send(sentence)) is not None:
                    yield _sent(verdict, result, started)
        except LMError as exc:
            # The sentences already sent stay (they were verified); the half-written one
            # left in the splitter is dropped, and the facts complete the answer below.
            log.warning("language model failed, answering from the facts: %s", exc)
            result.fallback = "model_down"
            result.model_error = f"{type(exc).__name__}: {exc}"
        if answers.pending:  # nothing followed it: the model ended, or failed, after it
            result.verdicts.append(_bare_answer_dropped(answers.pending, lang))
        result.generate_ms = (time.perf_counter() - lm_started) * 1000 - result.verify_ms
    if any(out.citations for out in result.sent) and not result.model_error:
        return
    # nothing cited got through (only chatter, or nothing at all), or the model stopped
    # mid-answer: answer from the facts
    # in a thread: choosing the sentence embeds the candidates
    fallback = await asyncio.to_thread(
        extractive_answer, question, facts, "zh" if lang == "zh" else "en", focus_sku, similarity
    )
    if fallback is not None and not _already_said(fallback.text, result.sent):
        result.fallback = result.fallback or "extractive"
        out = SentenceOut(fallback.text, tuple(Citation(ref) for ref in fallback.citations))
        result.sent.append(out)
        if result.first_sentence_ms is None:
            result.first_sentence_ms = (time.perf_counter() - started) * 1000
        yield out
    elif fallback is None:
        result.fallback = result.fallback or "no_facts"


def _already_said(text: str, sent: list[SentenceOut]) -> bool:
    folded = text.strip().casefold()
    return any(folded in out.text.casefold() for out in sent)


def _echoes(sentence: str, question: str) -> bool:
    """The model repeated (part of) the shopper's question back as if it were an answer."""
    said, asked = _letters(sentence), _letters(question)
    if len(said) < 4 or said not in asked:
        return False
    # a short answer may well repeat a word of the question ("Waterproof." to "Is it
    # waterproof?"); a question asked back, or most of the question, is an echo
    return sentence.rstrip().endswith(("?", "？")) or len(said) >= 0.8 * len(asked)


# "Based on the information provided, ..." tells the shopper nothing; the citation does.
_LEAD_IN = re.compile(
    r"^\s*(?:based on|according to)\s+(?:the\s+)?(?:information|facts|details|product details"
    r"|data|shop's information)(?:\s+(?:provided|given|available))?(?:\s+in the facts)?\s*,\s*"
    r"|^\s*根据(?:提供的|店铺的?|现有的?)?(?:资料|信息)[，,]\s*",
    re.IGNORECASE,
)


def _without_lead_in(sentence: str) -> str:
    match = _LEAD_IN.match(sentence)
    if match is None or match.end() >= len(sentence.rstrip()):
        return sentence
    rest = sentence[match.end() :]
    return rest[:1].upper() + rest[1:]


class _BareAnswerJoiner:
    """Holds a bare "Yes." or "No." until the sentence after it, and checks them together.

    On its own it would pass as conversation, yet to "Is it waterproof?" it is a claim.
    Joined to the next sentence it goes out only if that sentence is supported; with
    nothing after it, it is not sent at all.
    """

    def __init__(self) -> None:
        self.pending = ""

    def join(self, sentences: Iterable[str]) -> Iterator[str]:
        for sentence in sentences:
            match = LEADING_ANSWER_RE.match(sentence)
            if match and not self.pending and not _letters(sentence[match.end() :]):
                self.pending = sentence.strip()
                continue
            if self.pending:
                glue = "" if has_cjk(self.pending) else " "
                sentence, self.pending = f"{self.pending}{glue}{sentence.lstrip()}", ""
            yield sentence


def _bare_answer_dropped(sentence: str, lang: str) -> SentenceVerdict:
    return SentenceVerdict(
        sentence,
        None,
        "drop",
        (),
        (),
        (),
        "a bare yes or no with no supported sentence after it",
        "zh" if lang == "zh" else "en",
    )


_NEGATIVE_ANSWER = re.compile(r"^\s*(?:no|nope|不是|不对)\b", re.IGNORECASE)


def _consistent_leading_answer(sentence: str, question: str) -> str:
    """The sentence without a leading "Yes"/"No" that its own statement contradicts.

    "Does it come with a remote?" "No, it comes with a remote." The statement is what
    the facts can check; a "No" in front of it that says the opposite is cut, never
    added or turned round. Only when the statement restates the question: after "Is
    it red?", "No, it comes in black." is consistent. A negated question ("does it work
    without batteries?") is left alone: there "Yes, it does not need them" is consistent.
    """
    match = LEADING_ANSWER_RE.match(sentence)
    statement = sentence[match.end() :] if match else ""
    if not match or not _letters(statement) or negated(question):
        return sentence
    asked = content_words(question)
    if not asked or len(asked & content_words(statement)) < 0.5 * len(asked):
        return sentence
    says_no = _NEGATIVE_ANSWER.match(sentence) is not None
    if says_no == negated(statement):
        return sentence
    return statement[:1].upper() + statement[1:]


_FACT_NUMBER = re.compile(r"\s*\[\d{1,2}\]")
_SPACE_BEFORE_STOP = re.compile(r"\s+(?=[.,;:!?。，；：！？]|$)")


def _without_fact_labels(sentence: str, facts: FactSet) -> str:
    """The sentence without the prompt's fact labels copied into it.

    The prompt labels each fact "[2] (B002BRUGI6#review)"; a small model copies the
    label into its reply, sometimes as a whole sentence. The shopper has no use for it
    (the citation goes with the sentence anyway), and "#review" must not count as a word
    the facts support.
    """
    labels = {catalog_label(p.sku) for p in facts.products} | {p.citation for p in facts.passages}
    if not labels:
        return sentence
    alternatives = "|".join(re.escape(label) for label in sorted(labels, key=len, reverse=True))
    labelled = re.compile(rf"\s*[(\[（【]\s*(?:{alternatives})\s*[)\]）】]|\s*(?:{alternatives})")
    cleaned = _FACT_NUMBER.sub("", labelled.sub("", sentence))
    if cleaned == sentence:
        return sentence
    return _SPACE_BEFORE_STOP.sub("", cleaned).strip()


def _letters(text: str) -> str:
    return "".join(ch for ch in text.casefold() if ch.isalnum())


def _check(
    sentence: str,
    question: str,
    facts: FactSet,
    focus_sku: str | None,
    lang: str,
    result: GroundedResult,
) -> SentenceVerdict:
    checked = time.perf_counter()
    reply_lang: Lang = "zh" if lang == "zh" else "en"
    unlabelled = _without_fact_labels(sentence, facts)
    if not _letters(unlabelled):  # the transcript keeps what the model wrote
        return SentenceVerdict(
            sentence, None, "drop", (), (), (), "only a fact's label", reply_lang
        )
    sentence = _consistent_leading_answer(_without_lead_in(unlabelled), question)
    if _echoes(sentence, question):
        return SentenceVerdict(
            sentence, None, "drop", (), (), (), "repeats the question", reply_lang
        )
    verdict = verify_sentence(sentence, facts, focus_sku, reply_lang)
    result.verify_ms += (time.perf_counter() - checked) * 1000
    return verdict


def _sent(verdict: SentenceVerdict, result: GroundedResult, started: float) -> SentenceOut:
    assert verdict.text_to_send is not None
    out = SentenceOut(verdict.text_to_send, tuple(Citation(ref) for ref in verdict.citations))
    if result.first_sentence_ms is None:
        result.first_sentence_ms = (time.perf_counter() - started) * 1000
    result.sent.append(out)
    return out


class _Relevance:
    """Drops a generated, cited sentence that is no answer to the question.

    On another product's page the model tends to state some true fact of it ("The
    suction cup darts do work in this blaster" to "does it come with a warranty?"):
    every claim checks out, yet nothing was answered. On qa_dev's first 120 questions
    (kefu eval qa, with the model), every answer on the right page has a sentence at
    least 0.65 close to its question in the search embedder's cosine; on another
    product's page, 15 of the 35 answers that cited something have none. Chinese
    questions are not gated: their cosines do not separate (`dialogue/similarity.py`).
    """

    def __init__(
        self, question: str, similarity: SentenceSimilarity | None, minimum: float | None
    ) -> None:
        self.question = question
        on = similarity is not None and minimum is not None and similarity.gates(question)
        self.similarity = similarity if on else None
        self.minimum = minimum or 0.0

    async def judge(self, verdict: SentenceVerdict) -> SentenceVerdict:
        """The verdict as it stands, or a drop when the cited sentence is off the question."""
        if self.similarity is None or not verdict.text_to_send or not verdict.citations:
            return verdict
        (score,) = await asyncio.to_thread(self.similarity, self.question, [verdict.text_to_send])
        if score >= self.minimum:
            return verdict
        return replace(
            verdict,
            text_to_send=None,
            action="drop",
            reason=f"off the question: similarity {score:.2f} < {self.minimum:.2f}",
        )
