"""A tiny shop written row by row, so each test's expected figures can be counted by hand."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, Table

from analytics.events import CARD_CLICK
from analytics.sql import CONVERSATION, CUSTOMER, ORDER, ORDER_ITEM, TURN


def at(day: int, hour: int = 12, minute: int = 0, month: int = 3, year: int = 2026) -> datetime:
    """An aware UTC instant in March 2026 unless told otherwise."""
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


@dataclass
class ShopBuilder:
    rows: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    _turns: int = 0

    def _add(self, table: Table, row: dict[str, Any]) -> None:
        self.rows.setdefault(table.name, []).append(row)

    def customer(self, cid: int, name: str = "", email: str | None = None) -> int:
        self._add(
            CUSTOMER,
            {
                "id": cid,
                "email": email or f"c{cid}@example.com",
                "telegram_id": None,
                "name": name or f"customer {cid}",
                "created_at": at(1, month=1),
            },
        )
        return cid

    def conversation(
        self,
        cid: str,
        start: datetime,
        *,
        end: datetime | None = None,
        customer: int | None = None,
        user: str = "",
        channel: str = "web",
        lang: str = "en",
        handed_off: bool = False,
        resolved: bool | None = None,
        csat: int | None = None,
        closed: datetime | None = None,
    ) -> str:
        self._add(
            CONVERSATION,
            {
                "id": cid,
                "channel": channel,
                "customer_id": customer,
                "external_user": user,
                "lang": lang,
                "owner": "closed" if closed else "bot",
                "owner_staff": None,
                "handoff_reason": "asked" if handed_off else "",
                "handed_off": handed_off,
                "resolved": resolved,
                "csat": csat,
                "failed_answers": 0,
                "state": {},
                "started_at": start,
                "last_activity_at": end or start,
                "closed_at": closed,
            },
        )
        return cid

    def turn(
        self,
        conversation: str,
        when: datetime,
        role: str = "user",
        text: str = "",
        *,
        intent: str = "",
        cards: list[str] | None = None,
        cites: list[str] | None = None,
        thumbs: str | None = None,
        failed_checks: int = 0,
    ) -> str:
        self._turns += 1
        tid = f"t{self._turns}"
        self._add(
            TURN,
            {
                "id": tid,
                "conversation_id": conversation,
                "message_id": tid,
                "role": role,
                "author": "",
                "text": text,
                "lang": "",
                "intent": intent,
                "passages": [],
                "claims": [],
                "citations": [{"ref": ref, "text": ""} for ref in cites or []],
                "cards": [{"sku": sku, "title": sku} for sku in cards or []],
                "failed_checks": failed_checks,
                "model": "",
                "tokens": 0,
                "latency_ms": {},
                "thumbs": thumbs,
                "created_at": when,
            },
        )
        return tid

    def exchange(
        self, conversation: str, when: datetime, reply_after_s: int = 10, **kw: Any
    ) -> None:
        """A shopper question and the assistant's answer `reply_after_s` later."""
        self.turn(
            conversation, when, "user", kw.pop("text", "question"), intent=kw.pop("intent", "")
        )
        self.turn(
            conversation, when + timedelta(seconds=reply_after_s), "assistant", "answer", **kw
        )

    def order(
        self, oid: str, customer: int, when: datetime, items: list[tuple[str, int, float]]
    ) -> str:
        total = sum(qty * price for _, qty, price in items)
        self._add(
            ORDER,
            {
                "order_id": oid,
                "customer_id": customer,
                "status": "delivered",
                "created_at": when,
                "currency": "CNY",
                "total": total,
                "tracking": {},
                "content_hash": "",
                "updated_at": when,
            },
        )
        for sku, qty, price in items:
            self._add(ORDER_ITEM, {"order_id": oid, "sku": sku, "qty": qty, "price": price})
        return oid

    def click(self, conversation: str, sku: str, when: datetime) -> None:
        self._add(
            CARD_CLICK, {"conversation_id": conversation, "sku": sku, "turn_id": None, "at": when}
        )

    def write(self, engine: Engine) -> None:
        order = ("customer", "conversation", "turn", "order", "orderitem", CARD_CLICK.name)
        tables = {t.name: t for t in (CUSTOMER, CONVERSATION, TURN, ORDER, ORDER_ITEM, CARD_CLICK)}
        with engine.begin() as connection:
            for name in order:
                if self.rows.get(name):
                    connection.execute(tables[name].insert(), self.rows[name])
