"""A scripted dialogue manager: answers from product data, streamed with a set delay.

It speaks the `DialogueManager` protocol exactly as the real one does (typing,
verified sentences with citations, product cards, a final answer), so the web
layer can be tested end to end without a language model.
"""

from __future__ import annotations

import asyncio
import re
import uuid
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field

from bot.web.products import ProductView
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


def _card(p: ProductView, lang: str) -> ProductCard:
    return ProductCard(
        sku=p.sku,
        title=p.title_in(lang),
        price=p.price,
        currency=p.currency,
        image_url="",  # the gateway fills it in from the product lookup
        url="",
        in_stock=None if p.stock is None else p.stock > 0,
        reason="same category" if lang == "en" else "同类商品",
    )


@dataclass
class ScriptedDialogueManager:
    products: Sequence[ProductView]
    delay: float = 0.0  # seconds before each sentence
    fail_when: str = "\x00explode"  # a message containing this makes the turn raise
    calls: list[UserTurn] = field(default_factory=list)

    async def handle(self, turn: UserTurn) -> AsyncIterator[AnswerEvent]:
        self.calls.append(turn)
        yield Typing()
        if self.fail_when in turn.text:
            raise RuntimeError("scripted failure")
        lang = "zh" if _CJK.search(turn.text) or turn.locale.startswith("zh") else "en"
        by_sku = {p.sku: p for p in self.products}
        product = by_sku.get(turn.page_sku or "") or self.products[0]
        sentences = self._sentences(product, lang)
        for text, cite in sentences:
            if self.delay:
                await asyncio.sleep(self.delay)
            yield SentenceOut(text=text, citations=(cite,))
        others = [p for p in self.products if p.sku != product.sku]
        similar = sorted(others, key=lambda p: p.category != product.category)[:2]
        cards = tuple(_card(p, lang) for p in [product, *similar])
        yield CardsOut(cards=cards)
        yield Answer(
            turn_id=uuid.uuid4().hex,
            text=" ".join(t for t, _ in sentences)
            if lang == "en"
            else "".join(t for t, _ in sentences),
            lang=lang,
            intent="product_qa",
            citations=tuple(c for _, c in sentences),
            cards=cards,
            actions=(SuggestedAction("human", "Talk to a person" if lang == "en" else "转人工"),),
        )

    @staticmethod
    def _sentences(p: ProductView, lang: str) -> list[tuple[str, Citation]]:
        price = f"{p.price:.0f}" if p.price is not None else "?"
        title = p.title_in(lang)
        if lang == "zh":
            stock = f"目前有货 {p.stock} 件。" if (p.stock or 0) > 0 else "目前缺货。"
            return [
                (f"{title}售价 {price} 元。", Citation(f"{p.sku}#price", price)),
                (stock, Citation(f"{p.sku}#stock", str(p.stock))),
            ]
        stock = f"{p.stock} are in stock." if (p.stock or 0) > 0 else "It is out of stock."
        return [
            (f"The {title} costs {price} {p.currency}.", Citation(f"{p.sku}#price", price)),
            (stock, Citation(f"{p.sku}#stock", str(p.stock))),
        ]
