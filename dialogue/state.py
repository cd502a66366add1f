"""What a conversation remembers between turns, and how follow-ups resolve against it.

"the cheaper one", "the second", "does it come in red?", "and the warranty?"
only make sense against what was already shown; this module turns them into a
concrete product (SKU) for the next turn's retrieval and verification.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Any

# ordinal words -> index into the products last shown
_ORDINALS: dict[str, int] = {
    "first": 0, "1st": 0, "第一": 0, "第1": 0,
    "second": 1, "2nd": 1, "第二": 1, "第2": 1,
    "third": 2, "3rd": 2, "第三": 2, "第3": 2,
    "fourth": 3, "4th": 3, "第四": 3, "第4": 3,
    "fifth": 4, "5th": 4, "第五": 4, "第5": 4,
    "last": -1, "最后": -1,
}  # fmt: skip
_CHEAPER = re.compile(r"cheap(er|est)|less expensive|lower price|便宜|实惠|价格低|低价")
_PRICIER = re.compile(r"(more )?expensive|pricier|higher price|premium|贵(的|一点|些)|高端|最贵")
_PRONOUN = re.compile(
    r"\b(it|its|it's|this|that|this one|that one|these|those|they|them)\b"
    r"|这个|那个|这款|那款|它|该商品|这件|那件"
)


@dataclass(frozen=True)
class ShownProduct:
    sku: str
    title: str
    price: float | None


@dataclass(frozen=True)
class ConversationState:
    lang: str = ""
    focus_sku: str | None = None  # the product the conversation is about
    shown: tuple[ShownProduct, ...] = ()  # products last shown as cards, in order
    last_intent: str = ""
    last_query: str = ""
    budget_max: float | None = None
    category: str | None = None
    failed_answers: int = 0  # consecutive answers with nothing grounded to say
    disclosed: bool = False  # the AI disclosure was shown
    extra: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "lang": self.lang,
            "focus_sku": self.focus_sku,
            "shown": [[p.sku, p.title, p.price] for p in self.shown],
            "last_intent": self.last_intent,
            "last_query": self.last_query,
            "budget_max": self.budget_max,
            "category": self.category,
            "failed_answers": self.failed_answers,
            "disclosed": self.disclosed,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ConversationState:
        if not data:
            return cls()
        shown = tuple(ShownProduct(s, t, p) for s, t, p in data.get("shown", []))
        return cls(
            lang=data.get("lang", ""),
            focus_sku=data.get("focus_sku"),
            shown=shown,
            last_intent=data.get("last_intent", ""),
            last_query=data.get("last_query", ""),
            budget_max=data.get("budget_max"),
            category=data.get("category"),
            failed_answers=int(data.get("failed_answers", 0)),
            disclosed=bool(data.get("disclosed", False)),
        )

    def showing(self, products: list[ShownProduct]) -> ConversationState:
        """After cards are shown, the first becomes the focus."""
        if not products:
            return self
        return replace(self, shown=tuple(products), focus_sku=products[0].sku)


def resolve_reference(text: str, state: ConversationState, page_sku: str | None) -> str | None:
    """The SKU a message refers to, or None when it names nothing we have shown."""
    lowered = text.lower()
    for shown in state.shown:
        if shown.sku.lower() in lowered:
            return shown.sku
    priced = [p for p in state.shown if p.price is not None]
    if len(priced) >= 2 and _CHEAPER.search(lowered):
        return min(priced, key=lambda p: p.price or 0.0).sku
    if len(priced) >= 2 and _PRICIER.search(lowered):
        return max(priced, key=lambda p: p.price or 0.0).sku
    if state.shown:
        for word, index in _ORDINALS.items():
            if word in lowered and -len(state.shown) <= index < len(state.shown):
                return state.shown[index].sku
    if _PRONOUN.search(lowered) or is_follow_up(text):
        return state.focus_sku or page_sku
    return page_sku


_FOLLOW_UP = re.compile(
    r"^\s*(and|what about|how about|also)\b|^\s*(那|还有|那么)|[吗呢]\s*[?？]?\s*$"
)


def is_follow_up(text: str) -> bool:
    """Short questions like "and the warranty?" or "有红色的吗？" that lean on the last turn."""
    return bool(_FOLLOW_UP.search(text.lower())) and len(text) < 60
