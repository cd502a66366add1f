"""The dialogue manager: one shopper message in, verified answer events out.

Per turn: who owns the conversation (bot or a person) → what the shopper wants
→ the facts → a grounded, sentence-by-sentence verified answer (or order data,
or a handoff) → the transcript. Channels only convert and render.
"""

from __future__ import annotations

import asyncio
import re
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field, replace
from typing import Protocol

from sqlalchemy import Engine

from dialogue.conversations import ConversationRepo
from dialogue.facts_builder import build_facts, load_products
from dialogue.grounded import GroundedResult, grounded_answer
from dialogue.lm.types import GenerationParams, LanguageModel
from dialogue.observers import CONVERSATION_ID, TurnReport, report_turn
from dialogue.orders import OrderDesk
from dialogue.recommend import card_for, filters_for, rank_for_cards, reason_for
from dialogue.replies import order_status, reply
from dialogue.settings import DialogueSettings
from dialogue.state import ConversationState, ShownProduct, resolve_reference
from dialogue.transcripts import TranscriptWriter, TurnRecord
from dialogue.types import (
    Answer,
    AnswerEvent,
    CardsOut,
    Citation,
    ProductCard,
    SentenceOut,
    SuggestedAction,
    Typing,
    UserTurn,
)
from dialogue.understand.classifier import IntentClassifier
from dialogue.understand.intents import HANDOFF_INTENTS, ORDER_INTENTS
from dialogue.understand.types import Understanding, Vocabulary
from dialogue.understand.understand import understand
from dialogue.verify.extractive import SentenceSimilarity
from retrieval.types import Hit, ProductHit, SearchFilters

# Words that make a product question also a policy question.
_POLICY_WORDS = re.compile(
    r"warrant|guarantee|return|refund|exchange|ship|deliver|postage|payment|pay |invoice|"
    r"保修|质保|退|换货|运费|包邮|发货|配送|快递|付款|支付|发票",
    re.IGNORECASE,
)
# On a product page, "what age would you recommend it for?" is about that product; only
# these words make it a request for other products.
_OTHER_PRODUCTS = re.compile(
    r"\b(other|others|another|alternatives?|similar|instead|else|different|compared?)\b"
    r"|别的|其他|其它|类似|相似|同类|换一|还有什么"
)
_ASK_HUMAN = re.compile(r"\b(human|agent|real person|representative)\b|人工|真人|客服人员|转接")
_PERSON_MIN_CONFIDENCE = 0.5
_TRACKING_ONLY = frozenset({"track_order", "track_refund"})


class AsyncRetriever(Protocol):
    async def asearch(
        self, query: str, k: int = 10, filters: SearchFilters | None = None
    ) -> list[Hit]: ...

    async def asearch_products(
        self, query: str, k: int = 10, filters: SearchFilters | None = None
    ) -> list[ProductHit]: ...


@dataclass
class TurnLog:
    """What the turn did, gathered while streaming and written once at the end."""

    intent: str = ""
    lang: str = "en"
    sentences: list[SentenceOut] = field(default_factory=list)
    cards: list[ProductCard] = field(default_factory=list)
    actions: list[SuggestedAction] = field(default_factory=list)
    hits: list[Hit] = field(default_factory=list)
    grounded: GroundedResult = field(default_factory=GroundedResult)
    latency_ms: dict[str, float] = field(default_factory=dict)
    handed_off: bool = False
    handoff_reason: str | None = None

    def say(self, text: str, citations: tuple[Citation, ...] = ()) -> SentenceOut:
        out = SentenceOut(text, citations)
        self.sentences.append(out)
        return out


class ShopAssistant:
    """The DialogueManager behind every channel."""

    def __init__(
        self,
        *,
        engine: Engine,
        retriever: AsyncRetriever,
        classifier: IntentClassifier,
        vocabulary: Vocabulary,
        lm: LanguageModel | None,
        orders: OrderDesk,
        conversations: ConversationRepo,
        transcripts: TranscriptWriter,
        settings: DialogueSettings,
        similarity: SentenceSimilarity | None = None,
    ) -> None:
        self.engine = engine
        self.retriever = retriever
        self.classifier = classifier
        self.vocabulary = vocabulary
        self.lm = lm
        self.orders = orders
        self.conversations = conversations
        self.transcripts = transcripts
        self.settings = settings
        # ranks fact sentences for answers quoted from the facts; shared words without it
        self.similarity = similarity
        self.params = GenerationParams(
            max_new_tokens=settings.max_new_tokens,
            temperature=settings.temperature,
            top_p=settings.top_p,
        )

    async def handle(self, turn: UserTurn) -> AsyncIterator[AnswerEvent]:
        started = time.perf_counter()
        # Log lines name the conversation; channels run each turn in a task of its own.
        CONVERSATION_ID.set(turn.conversation_id)
        if not turn.message_id:
            turn = replace(turn, message_id=uuid.uuid4().hex)
        record = await self.conversations.load(turn.conversation_id, turn.channel)
        state, log = record.state, TurnLog()
        text = turn.text.strip()
        log.lang = _lang_hint(text, turn.locale, state.lang)
        self._log_user(turn, log.lang)
        if len(text) > self.settings.max_message_chars:
            yield log.say(
                reply("too_long", log.lang, size=len(text), limit=self.settings.max_message_chars)
            )
        elif not record.handoff.bot_answers:
            # a person owns the conversation: the bot stays silent
            yield Answer(_turn_id(turn), "", log.lang, "", owner=record.handoff.owner)
            return
        elif not text:
            yield log.say(reply("empty", log.lang))
        else:
            yield Typing()
            if self.settings.ai_disclosure and not state.disclosed and turn.channel != "eval":
                yield log.say(reply("disclosure", log.lang))
                state = replace(state, disclosed=True)
            async for event in self._answer(turn, text, state, log):
                if isinstance(event, ConversationState):
                    state = event
                else:
                    yield event
        log.latency_ms["total"] = round((time.perf_counter() - started) * 1000, 1)
        await self.conversations.save_state(turn.conversation_id, replace(state, lang=log.lang))
        answer = self._finish(turn, log)
        self._log_answer(turn, answer, log)
        report_turn(_turn_report(turn, log))
        yield answer

    # -- routing ----------------------------------------------------------
    async def _answer(
        self, turn: UserTurn, text: str, state: ConversationState, log: TurnLog
    ) -> AsyncIterator[AnswerEvent | ConversationState]:
        t0 = time.perf_counter()
        meaning = await asyncio.to_thread(
            understand,
            text,
            self.classifier,
            self.vocabulary,
            default_lang="zh" if log.lang == "zh" else "en",
        )
        log.latency_ms["understand"] = round((time.perf_counter() - t0) * 1000, 1)
        log.lang, log.intent = meaning.lang, meaning.intent
        intent = meaning.intent
        if self._wants_a_person(text, meaning):
            async for event in self._handoff(turn, log, reason=intent):
                yield event
        elif intent == "greeting":
            yield log.say(reply("greeting", log.lang))
        elif intent in ORDER_INTENTS and (
            meaning.slots.order_id or turn.customer_id or intent in _TRACKING_ONLY
        ):
            async for event in self._order(turn, text, meaning, log):
                yield event
        elif intent == "recommendation" and not self._about_the_page(turn, text):
            async for event in self._recommend(text, meaning, state, log):
                yield event
        else:
            async for event in self._question(turn, text, meaning, state, log):
                yield event

    @staticmethod
    def _wants_a_person(text: str, meaning: Understanding) -> bool:
        """A complaint, or a request for a person: said in so many words, or read with confidence.

        A product question that mentions people ("can you play this with two people?")
        can come out of the classifier as contact_human_agent, but with a probability
        of 0.35-0.42 where real requests measured 0.55-1.0.
        """
        if _ASK_HUMAN.search(text.lower()) and meaning.intent not in ORDER_INTENTS:
            return True
        if meaning.intent in ("contact_human_agent", "contact_customer_service"):
            return meaning.confidence >= _PERSON_MIN_CONFIDENCE
        return meaning.intent in HANDOFF_INTENTS

    @staticmethod
    def _about_the_page(turn: UserTurn, text: str) -> bool:
        """A "recommendation" asked on a product page that does not ask for other products."""
        return bool(turn.page_sku) and not _OTHER_PRODUCTS.search(text.lower())

    async def _handoff(
        self, turn: UserTurn, log: TurnLog, reason: str
    ) -> AsyncIterator[AnswerEvent | ConversationState]:
        await self.conversations.apply(turn.conversation_id, "request_human", reason=reason)
        log.handed_off, log.handoff_reason = True, reason
        yield log.say(reply("handoff", log.lang))

    async def _order(
        self, turn: UserTurn, text: str, meaning: Understanding, log: TurnLog
    ) -> AsyncIterator[AnswerEvent | ConversationState]:
        slots = meaning.slots
        found = await asyncio.to_thread(
            self.orders.lookup, slots.order_id, customer_id=turn.customer_id, email=slots.email
        )
        if found.order is not None:
            yield log.say(
                order_status(found.order, log.lang), (Citation(f"order:{found.order.order_id}"),)
            )
            if meaning.intent not in _TRACKING_ONLY:
                # cancel / change / refund: the shop's policy, grounded in its documents
                hits = await self._search(text, SearchFilters(kinds=("document",)), k=3, log=log)
                async for event in self._generate(text, hits, (), None, log):
                    yield event
            return
        key = "order_need_identity" if found.outcome == "need_identity" else "order_not_found"
        yield log.say(reply(key, log.lang))
        log.actions.append(_human_action(log.lang))

    async def _recommend(
        self, text: str, meaning: Understanding, state: ConversationState, log: TurnLog
    ) -> AsyncIterator[AnswerEvent | ConversationState]:
        filters = filters_for(meaning.slots)
        t0 = time.perf_counter()
        ranked = await self.retriever.asearch_products(text, k=12, filters=filters)
        log.latency_ms["retrieve"] = round((time.perf_counter() - t0) * 1000, 1)
        products = await asyncio.to_thread(load_products, self.engine, [h.sku for h in ranked])
        chosen = rank_for_cards(ranked, products, self.settings.max_cards, meaning.slots)
        if not chosen:
            yield log.say(reply("no_match", log.lang))
            return
        yield log.say(reply("reco_intro", log.lang))
        cards = [card_for(p, log.lang, reason_for(p, log.lang)) for p in chosen]
        log.cards.extend(cards)
        yield CardsOut(tuple(cards))
        shown = [ShownProduct(c.sku, c.title, c.price) for c in cards]
        yield replace(
            state.showing(shown),
            last_intent="recommendation",
            last_query=text,
            budget_max=filters.max_price,
            category=filters.category,
        )

    async def _question(
        self,
        turn: UserTurn,
        text: str,
        meaning: Understanding,
        state: ConversationState,
        log: TurnLog,
    ) -> AsyncIterator[AnswerEvent | ConversationState]:
        subject = resolve_reference(text, state, turn.page_sku)
        # "recommendation" arrives here only as a question about the page's product
        shopping = meaning.intent in ("product_question", "compare", "other", "recommendation")
        if subject and shopping:
            hits = await self._search(text, SearchFilters(sku=subject), k=5, log=log)
            if _POLICY_WORDS.search(text):
                hits += await self._search(text, SearchFilters(kinds=("document",)), k=2, log=log)
        elif shopping:
            hits = await self._search(text, filters_for(meaning.slots), k=6, log=log)
        elif subject:
            # A service intent asked about a product ("can it ship wet?", or a product
            # question the classifier took for one): the product's page and the shop's
            # documents both; the page first unless the words are plainly about policy.
            page = await self._search(text, SearchFilters(sku=subject), k=3, log=log)
            docs = await self._search(text, SearchFilters(kinds=("document",)), k=3, log=log)
            hits = docs + page if _POLICY_WORDS.search(text) else page + docs
        else:
            hits = await self._search(text, SearchFilters(kinds=("document",)), k=4, log=log)
        subjects = [subject] if subject else []
        if meaning.intent == "compare" and len(state.shown) >= 2:
            subjects = [p.sku for p in state.shown[:2]]
        async for event in self._generate(text, hits, subjects, subject, log):
            yield event
        new_state = replace(
            state, last_intent=meaning.intent, last_query=text, focus_sku=subject or state.focus_sku
        )
        if not subject and shopping:
            cards = await self._cards_from_hits(hits, log)
            if cards:
                yield CardsOut(tuple(cards))
                new_state = new_state.showing(
                    [ShownProduct(c.sku, c.title, c.price) for c in cards]
                )
        failures = 0 if log.grounded.grounded else state.failed_answers + 1
        yield replace(new_state, failed_answers=failures)
        if failures >= self.settings.handoff_after_failed_answers:
            async for event in self._handoff(turn, log, reason="failed answers"):
                yield event

    # -- shared steps -------------------------------------------------------
    async def _search(self, text: str, filters: SearchFilters, k: int, log: TurnLog) -> list[Hit]:
        t0 = time.perf_counter()
        hits = await self.retriever.asearch(text, k=k, filters=filters)
        log.latency_ms["retrieve"] = log.latency_ms.get("retrieve", 0.0) + round(
            (time.perf_counter() - t0) * 1000, 1
        )
        log.hits.extend(hits)
        return hits

    async def _generate(
        self,
        text: str,
        hits: list[Hit],
        subjects: list[str] | tuple[str, ...],
        focus: str | None,
        log: TurnLog,
    ) -> AsyncIterator[AnswerEvent | ConversationState]:
        facts, _ = await asyncio.to_thread(
            build_facts, self.engine, hits, subject_skus=list(subjects), with_family=bool(focus)
        )
        async for sentence in grounded_answer(
            text,
            facts,
            lang=log.lang,
            focus_sku=focus,
            lm=self.lm,
            params=self.params,
            result=log.grounded,
            similarity=self.similarity,
            min_relevance=self.settings.answer_min_relevance,
        ):
            log.sentences.append(sentence)
            yield sentence
        if log.grounded.first_sentence_ms is not None:
            log.latency_ms["first_sentence"] = round(log.grounded.first_sentence_ms, 1)
        if log.grounded.model:
            log.latency_ms["generate"] = round(log.grounded.generate_ms, 1)
            log.latency_ms["verify"] = round(log.grounded.verify_ms, 1)
        if not log.grounded.grounded:
            yield log.say(reply("no_facts", log.lang))
            log.actions.append(_human_action(log.lang))

    async def _cards_from_hits(self, hits: list[Hit], log: TurnLog) -> list[ProductCard]:
        skus = list(dict.fromkeys(h.passage.sku for h in hits if h.passage.sku))
        products = await asyncio.to_thread(load_products, self.engine, skus)
        cards = [
            card_for(products[s], log.lang, reason_for(products[s], log.lang))
            for s in skus[: self.settings.max_cards]
            if s in products
        ]
        log.cards.extend(cards)
        return cards

    # -- the record ---------------------------------------------------------
    def _finish(self, turn: UserTurn, log: TurnLog) -> Answer:
        joiner = "" if log.lang == "zh" else " "
        citations = tuple(dict.fromkeys(c for s in log.sentences for c in s.citations))
        return Answer(
            turn_id=_turn_id(turn),
            text=joiner.join(s.text for s in log.sentences),
            lang=log.lang,
            intent=log.intent,
            citations=citations,
            cards=tuple(log.cards),
            actions=tuple(log.actions),
            owner="waiting" if log.handed_off else "bot",
            handed_off=log.handed_off,
            sources=tuple(h.passage.text for h in log.hits),
            grounded=log.grounded.grounded or any(s.citations for s in log.sentences),
        )

    def _log_user(self, turn: UserTurn, lang: str) -> None:
        self.transcripts.log(
            TurnRecord(
                turn_id=f"{_turn_id(turn)}:in",
                conversation_id=turn.conversation_id,
                message_id=turn.message_id,
                role="user",
                text=turn.text[: self.settings.max_message_chars * 2],
                channel=turn.channel,
                lang=lang,
                customer_id=turn.customer_id,
            )
        )

    def _log_answer(self, turn: UserTurn, answer: Answer, log: TurnLog) -> None:
        self.transcripts.log(
            TurnRecord(
                turn_id=answer.turn_id,
                conversation_id=turn.conversation_id,
                message_id=f"{turn.message_id}:answer",
                role="assistant",
                text=answer.text,
                channel=turn.channel,
                lang=answer.lang,
                intent=answer.intent,
                passages=[
                    {
                        "ref": h.passage.citation,
                        "text": h.passage.text[:500],
                        "score": round(h.score, 4),
                    }
                    for h in log.hits
                ],
                claims=[v.to_dict() for v in log.grounded.verdicts],
                citations=[c.ref for c in answer.citations],
                cards=[{"sku": c.sku, "price": c.price} for c in answer.cards],
                failed_checks=log.grounded.failed_checks,
                model=log.grounded.model,
                model_error=log.grounded.model_error,
                tokens=log.grounded.tokens,
                latency_ms=log.latency_ms,
                customer_id=turn.customer_id,
            )
        )


def _turn_report(turn: UserTurn, log: TurnLog) -> TurnReport:
    return TurnReport(
        channel=turn.channel,
        intent=log.intent or "none",
        latency_ms=dict(log.latency_ms),
        verdicts=tuple(v.action for v in log.grounded.verdicts),
        handoff_reason=log.handoff_reason,
        model=log.grounded.model,
        tokens=log.grounded.tokens,
        generate_s=log.grounded.generate_ms / 1000,
    )


def _human_action(lang: str) -> SuggestedAction:
    return SuggestedAction("human", "人工客服" if lang == "zh" else "Talk to a person")


def _turn_id(turn: UserTurn) -> str:
    return f"{turn.conversation_id}:{turn.message_id}"


def _lang_hint(text: str, locale: str, previous: str) -> str:
    if any("\u4e00" <= ch <= "\u9fff" for ch in text):
        return "zh"
    if any(ch.isalpha() for ch in text):
        return "en"
    return locale or previous or "en"
