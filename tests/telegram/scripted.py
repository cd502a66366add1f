"""A scripted dialogue manager for the Telegram tests and benchmark.

It speaks the `DialogueManager` protocol as the real one does: typing, verified
sentences with citations streamed with a set delay, product cards, a final
answer with suggested actions; a request for a person hands the conversation off
(the bot is silent afterwards, until a new conversation); order questions go to
the real `OrderDesk` with the turn's verified customer.
"""

from __future__ import annotations

import asyncio
import re
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

from dialogue.orders import OrderDesk
from dialogue.replies import order_status, reply
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

_CJK = re.compile(r"[\u3400-\u9fff]")
_HUMAN = re.compile(r"\b(human|person|agent)\b|人工", re.IGNORECASE)
_ORDER = re.compile(r"\border\b|订单", re.IGNORECASE)
_SIMILAR = re.compile(r"\b(like this|similar|recommend)\b|类似|推荐", re.IGNORECASE)
_TAG = re.compile(r"#\d+")


@dataclass(frozen=True)
class Product:
    sku: str
    title_en: str
    title_zh: str
    price: float
    category: str
    image_url: str
    url: str
    in_stock: bool
    words: tuple[str, ...]

    def card(self, lang: str) -> ProductCard:
        return ProductCard(
            sku=self.sku,
            title=self.title_zh if lang == "zh" else self.title_en,
            price=self.price,
            currency="CNY",
            image_url=self.image_url,
            url=self.url,
            in_stock=self.in_stock,
            reason="同类商品，评价很好" if lang == "zh" else "Same kind of product, well reviewed",
        )


PRODUCTS = (
    Product("EA-1001", "Aurora wireless earbuds", "极光无线耳机", 299.0, "audio",
            "https://img.shop.example/EA-1001.jpg", "/p/EA-1001", True, ("earbud", "耳机")),
    Product("EA-1002", "Breeze over-ear headphones", "微风头戴式耳机", 459.0, "audio",
            "/static/products/EA-1002.svg", "https://shop.example/p/EA-1002", True,
            ("headphone", "头戴")),
    Product("SH-2001", "Trail running shoes", "越野跑鞋", 399.0, "shoes", "", "", False,
            ("shoe", "跑鞋", "鞋")),
)  # fmt: skip


@dataclass
class ScriptedShop:
    desk: OrderDesk | None = None
    delay: float = 0.0  # seconds before each sentence
    turns: list[UserTurn] = field(default_factory=list)
    handed_off: set[str] = field(default_factory=set)

    async def handle(self, turn: UserTurn) -> AsyncIterator[AnswerEvent]:
        self.turns.append(turn)
        yield Typing()
        lang = turn.locale or ("zh" if _CJK.search(turn.text) else "en")
        turn_id = uuid.uuid5(uuid.NAMESPACE_URL, turn.message_id or uuid.uuid4().hex).hex
        if turn.conversation_id in self.handed_off:
            yield Answer(turn_id=turn_id, text="", lang=lang, intent="other", owner="waiting")
            return
        if _HUMAN.search(turn.text):
            self.handed_off.add(turn.conversation_id)
            line = reply("handoff", lang)
            yield SentenceOut(line)
            yield Answer(
                turn_id=turn_id,
                text=line,
                lang=lang,
                intent="contact_human_agent",
                owner="waiting",
                handed_off=True,
            )
            return
        if _ORDER.search(turn.text):
            async for event in self._order(turn, turn_id, lang):
                yield event
            return
        async for event in self._product(turn, turn_id, lang):
            yield event

    async def _order(self, turn: UserTurn, turn_id: str, lang: str) -> AsyncIterator[AnswerEvent]:
        assert self.desk is not None, "order questions need the order desk"
        found = await asyncio.to_thread(self.desk.lookup, None, customer_id=turn.customer_id)
        if found.outcome == "found" and found.order is not None:
            line = order_status(found.order, lang)
            citations: tuple[Citation, ...] = (Citation(f"order/{found.order.order_id}#status"),)
        else:
            key = "order_need_identity" if found.outcome == "need_identity" else "order_not_found"
            line, citations = reply(key, lang), ()
        yield SentenceOut(line, citations)
        yield Answer(
            turn_id=turn_id, text=line, lang=lang, intent="track_order", citations=citations
        )

    async def _product(self, turn: UserTurn, turn_id: str, lang: str) -> AsyncIterator[AnswerEvent]:
        product = self._pick(turn)
        title = product.title_zh if lang == "zh" else product.title_en
        tag = _TAG.search(turn.text)
        echo = f"({tag.group()}) " if tag else ""
        if _SIMILAR.search(turn.text):
            others = [p for p in PRODUCTS if p.sku != product.sku]
            others.sort(key=lambda p: p.category != product.category)
            cards = tuple(p.card(lang) for p in others[:2])
            intro = echo + reply("reco_intro", lang)
            sentences = [(intro, Citation(f"{cards[0].sku}#category"))]
        else:
            cards = (product.card(lang),)
            if lang == "zh":
                stock = "目前有货。" if product.in_stock else "目前缺货。"
                first = f"{echo}{title}售价 {product.price:.0f} 元。"
            else:
                stock = "It is in stock." if product.in_stock else "It is out of stock."
                first = f"{echo}The {title} costs {product.price:.0f} CNY."
            sentences = [
                (first, Citation(f"{product.sku}#price")),
                (stock, Citation(f"{product.sku}#stock")),
            ]
        for line, citation in sentences:
            if self.delay:
                await asyncio.sleep(self.delay)
            yield SentenceOut(line, (citation,))
        yield CardsOut(cards)
        joiner = "" if lang == "zh" else " "
        yield Answer(
            turn_id=turn_id,
            text=joiner.join(line for line, _ in sentences),
            lang=lang,
            intent="recommendation" if _SIMILAR.search(turn.text) else "product_question",
            citations=tuple(c for _, c in sentences),
            cards=cards,
            actions=(
                SuggestedAction("human", "转人工" if lang == "zh" else "Talk to a person"),
                SuggestedAction(
                    "more_like_this",
                    "类似商品" if lang == "zh" else "Similar items",
                    payload=product.sku,
                ),
            ),
        )

    @staticmethod
    def _pick(turn: UserTurn) -> Product:
        by_sku = {p.sku: p for p in PRODUCTS}
        if turn.page_sku in by_sku:
            return by_sku[turn.page_sku]
        text = turn.text.lower()
        for product in PRODUCTS:
            if any(word in text for word in product.words):
                return product
        return PRODUCTS[0]
