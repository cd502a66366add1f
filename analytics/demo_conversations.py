"""One demo conversation at a time: its turns, feedback, clicks, and the orders it leads to.

The shapes follow what the assistant logs (cards with "sku", citations with
"ref", claims with a verdict); the behaviour is plausible rather than random
noise: recommendations get clicked and sometimes bought, questions the shop's
documents do not cover fail verification and go to a person, satisfied
shoppers rate higher.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from analytics import demo_texts as T

REPLY_MODEL = "qwen2.5-1.5b-instruct"


@dataclass(frozen=True)
class Product:
    sku: str
    title_en: str
    title_zh: str
    category: str
    price: float
    currency: str


@dataclass(frozen=True)
class Contact:
    customer_id: int | None
    external_user: str
    channel: str
    lang: str


@dataclass
class Built:
    conversation: dict[str, Any]
    turns: list[dict[str, Any]] = field(default_factory=list)
    clicks: list[dict[str, Any]] = field(default_factory=list)
    # (customer id, when, [skus]) orders this conversation leads to
    orders: list[tuple[int, datetime, list[str]]] = field(default_factory=list)


class ConversationMaker:
    def __init__(self, rng: random.Random, products: list[Product], extra_exchanges: float) -> None:
        self.rng = rng
        self.products = products
        self.by_category: dict[str, list[Product]] = {}
        for p in products:
            self.by_category.setdefault(p.category, []).append(p)
        self.categories = sorted(self.by_category)
        self.extra_exchanges = extra_exchanges
        names = list(T.INTENTS)
        self.intent_names = names
        self.intent_weights = [T.INTENTS[n][0] for n in names]

    def pick_intent(self) -> str:
        if self.rng.random() < T.GAP_SHARE:
            return "gap"
        return self.rng.choices(self.intent_names, self.intent_weights)[0]

    def make(
        self, cid: str, contact: Contact, start: datetime, intent: str, last_order: str | None
    ) -> Built:
        rng = self.rng
        lang = contact.lang
        product = rng.choice(self.products)
        turns: list[dict[str, Any]] = []
        clock = start
        built = Built(conversation={})

        def add(role: str, text: str, when: datetime, **extra: Any) -> dict[str, Any]:
            row = _turn(cid, len(turns), role, text, lang, when, **extra)
            turns.append(row)
            return row

        question, answer, kind = self._question(intent, lang, product, last_order)
        add("user", question, clock, intent=_logged_intent(intent))
        clock += timedelta(seconds=rng.uniform(1.5, 9))
        handed = intent in ("complaint", "contact_human_agent")
        failed = intent == "gap" or rng.random() < 0.04
        shown: list[Product] = []
        if handed:
            add("assistant", _answer(lang, "human"), clock)
        elif failed:
            add("assistant", _answer(lang, "sorry"), clock, failed_checks=rng.randint(1, 3),
                claims=[{"kind": "policy", "verdict": "unsupported"}],
                thumbs="down" if rng.random() < 0.35 else None)  # fmt: skip
            handed = rng.random() < 0.6
        else:
            shown = self._cards(product, intent)
            row = add("assistant", answer.format(product=_title(product, lang), order=last_order),
                      clock, **self._grounding(kind, product, shown, intent, lang))  # fmt: skip
            if rng.random() < 0.18:
                row["thumbs"] = "up" if rng.random() < 0.82 else "down"
        for _ in range(0 if handed else self._exchanges()):
            clock += timedelta(seconds=rng.uniform(20, 400))
            follow = rng.choice(T.FOLLOW_UPS_ZH if lang == "zh" else T.FOLLOW_UPS_EN)
            add(
                "user",
                follow,
                clock,
                intent="product_question" if "?" in follow or "？" in follow else "other",
            )
            clock += timedelta(seconds=rng.uniform(1.5, 8))
            add("assistant", _answer(lang, "product").format(product=_title(product, lang)), clock,
                **self._grounding("product", product, [], "product_question", lang))  # fmt: skip
        if handed:
            clock += timedelta(seconds=rng.uniform(60, 1800))
            staff = rng.choice(T.STAFF)
            add("staff", _answer(lang, "staff").format(name=staff), clock, author=staff)
            clock += timedelta(seconds=rng.uniform(60, 900))
            add("staff", _answer(lang, "follow"), clock, author=staff)
        built.turns = turns
        self._clicks_and_orders(built, cid, contact, shown, clock)
        built.conversation = self._row(cid, contact, start, clock, handed, failed, intent)
        # A question answered well brings some shoppers back to buy within weeks.
        if contact.customer_id is not None and not (handed or failed) and rng.random() < 0.12:
            pick = rng.choice(self.by_category[product.category])
            later = clock + timedelta(days=rng.uniform(3, 30))
            built.orders.append((contact.customer_id, later, [pick.sku]))
        return built

    def _question(
        self, intent: str, lang: str, product: Product, order: str | None
    ) -> tuple[str, str, str]:
        rng = self.rng
        if intent == "gap":
            en, zh = rng.choice(T.GAP_QUESTIONS)
            return rng.choice(zh if lang == "zh" else en), "", "none"
        _, doc, en_q, zh_q = T.INTENTS[intent]
        template = rng.choice(zh_q if lang == "zh" else en_q)
        if "{order}" in template and order is None:
            template = rng.choice(
                [q for q in (zh_q if lang == "zh" else en_q) if "{order}" not in q] or [template]
            )
        text = template.format(product=_title(product, lang), order=order or "")
        if intent in ("recommendation", "compare"):
            return text, _answer(lang, "cards"), "cards"
        if intent == "product_question":
            return text, _answer(lang, "product"), "product"
        if intent in ("track_order", "cancel_order", "change_shipping_address") and order:
            return text, _answer(lang, "order"), "order"
        if intent == "greeting":
            return text, _answer(lang, "hello"), "none"
        return text, _answer(lang, "policy"), f"doc:{doc or 'faq'}"

    def _cards(self, product: Product, intent: str) -> list[Product]:
        if intent not in ("recommendation", "compare"):
            return []
        pool = self.by_category[product.category]
        k = 2 if intent == "compare" else min(3, len(pool))
        return self.rng.sample(pool, k)

    def _grounding(
        self, kind: str, product: Product, shown: list[Product], intent: str, lang: str
    ) -> dict[str, Any]:
        rng = self.rng
        out: dict[str, Any] = {
            "model": REPLY_MODEL,
            "tokens": rng.randint(40, 220),
            "latency_ms": {"retrieve": rng.randint(8, 60), "generate": rng.randint(300, 2600)},
            "passages": [],
        }
        if kind == "cards":
            out["cards"] = [
                {"sku": p.sku, "title": _title(p, lang), "price": p.price} for p in shown
            ]
            out["citations"] = [{"ref": f"{p.sku}#price", "text": str(p.price)} for p in shown]
            out["claims"] = [{"kind": "price", "verdict": "supported"} for _ in shown]
        elif kind == "product":
            field_name = rng.choice(("price", "stock", "description", "attributes"))
            out["citations"] = [{"ref": f"{product.sku}#{field_name}", "text": ""}]
            out["claims"] = [{"kind": field_name, "verdict": "supported"}]
            if rng.random() < 0.05:
                out["failed_checks"] = 1  # one sentence repaired from the catalog
        elif kind.startswith("doc:"):
            out["citations"] = [{"ref": f"{kind[4:]}.{lang}.md#1", "text": ""}]
            out["claims"] = [{"kind": "policy", "verdict": "supported"}]
        elif kind == "order":
            out["claims"] = [{"kind": "order", "verdict": "supported"}]
        return out

    def _exchanges(self) -> int:
        base = 1 if self.rng.random() < 0.45 else 0
        extra = self.extra_exchanges
        whole = int(extra)
        return base + whole + (1 if self.rng.random() < extra - whole else 0)

    def _clicks_and_orders(
        self, built: Built, cid: str, contact: Contact, shown: list[Product], end: datetime
    ) -> None:
        rng = self.rng
        click_p = 0.3 if contact.customer_id is not None else 0.18
        clicked = [p for p in shown if rng.random() < click_p]
        for p in clicked:
            at = end + timedelta(seconds=rng.uniform(5, 120))
            built.clicks.append({"conversation_id": cid, "sku": p.sku, "turn_id": None, "at": at})
        if contact.customer_id is None or not shown:
            return
        buy_p = 0.45 if clicked else 0.12
        if rng.random() < buy_p:
            first = (clicked or shown)[0]
            extra = [rng.choice(self.products).sku] if rng.random() < 0.3 else []
            built.orders.append(
                (
                    contact.customer_id,
                    end + timedelta(hours=rng.uniform(0.2, 24 * 6)),
                    [first.sku, *extra],
                )
            )

    def _row(
        self, cid: str, contact: Contact, start: datetime, end: datetime,
        handed: bool, failed: bool, intent: str,
    ) -> dict[str, Any]:  # fmt: skip
        rng = self.rng
        resolved: bool | None = None
        if handed:
            resolved = rng.random() < 0.8
        elif rng.random() < 0.35:
            resolved = not failed and rng.random() < 0.93
        csat: int | None = None
        if rng.random() < 0.27:
            good = resolved is not False and not failed and intent != "complaint"
            csat = rng.choices(
                (5, 4, 3, 2, 1), (50, 30, 10, 6, 4) if good else (8, 12, 25, 30, 25)
            )[0]
        return {
            "id": cid,
            "channel": contact.channel,
            "customer_id": contact.customer_id,
            "external_user": contact.external_user,
            "lang": contact.lang,
            "owner": "closed" if handed else "bot",
            "owner_staff": None,
            "handoff_reason": (
                "asked" if intent in ("complaint", "contact_human_agent") else "ungrounded"
            )
            if handed
            else "",
            "handed_off": handed,
            "resolved": resolved,
            "csat": csat,
            "failed_answers": 1 if failed else 0,
            "state": {},
            "started_at": start,
            "last_activity_at": end,
            "closed_at": end if handed else None,
        }


def _turn(
    cid: str, n: int, role: str, text: str, lang: str, when: datetime, **extra: Any
) -> dict[str, Any]:
    tid = f"{cid}-{n}"
    row: dict[str, Any] = {
        "id": tid, "conversation_id": cid, "message_id": tid, "role": role, "author": "",
        "text": text, "lang": lang, "intent": "", "passages": [], "claims": [],
        "citations": [], "cards": [], "failed_checks": 0, "model": "", "tokens": 0,
        "latency_ms": {}, "thumbs": None, "created_at": when,
    }  # fmt: skip
    row.update(extra)
    return row


def _logged_intent(intent: str) -> str:
    # A gap question is logged with the intent the classifier would give it.
    return "product_question" if intent == "gap" else intent


def _answer(lang: str, key: str) -> str:
    return (T.ANSWERS_ZH if lang == "zh" else T.ANSWERS_EN)[key]


def _title(product: Product, lang: str) -> str:
    return product.title_zh if lang == "zh" and product.title_zh else product.title_en
