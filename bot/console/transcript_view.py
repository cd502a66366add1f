"""A conversation's transcript as staff read it: every turn with its facts, checks and figures.

Assistant turns carry what the answer was made from (the retrieved passages
with their citations), each sentence's verification (its claims, their
verdicts, what they were checked against), the model, tokens, latencies and the
shopper's thumb. Message text is masked for personal data unless the reader
may and did ask to see it (`reveal`).

The stored JSON is read defensively: rows written by older versions or by the
demo-data generator carry flat claims ({"kind", "verdict"}) rather than the
verifier's per-sentence records.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from bot.console.review import NoteView, ReviewView, TagView, notes_of, reviews_of, tags_of
from catalog.models import Customer
from dialogue.privacy import mask_pii
from dialogue.transcript_tables import Conversation, Turn

VERDICTS = ("supported", "contradicted", "unsupported")
ROLE_NAMES = {"user": "Shopper", "assistant": "Assistant", "system": "System"}


@dataclass(frozen=True)
class PassageView:
    ref: str  # "SKU#field" or "path.md#heading"
    source: str  # "SKU EA-1001 · price" or "returns.md › Refunds"
    text: str
    score: float | None


@dataclass(frozen=True)
class ClaimView:
    text: str
    kind: str
    verdict: str  # supported | contradicted | unsupported
    checked_against: tuple[str, ...]  # citations of the facts that decided it
    expected: str  # the catalog's value, when contradicted
    reason: str


@dataclass(frozen=True)
class SentenceView:
    sentence: str  # what the model wrote
    sent_text: str | None  # what the shopper saw; None when dropped
    action: str  # send | repair | drop | pass
    reason: str
    claims: tuple[ClaimView, ...]


@dataclass(frozen=True)
class TurnView:
    id: str
    role: str
    who: str
    created_at: datetime
    text: str
    masked: bool  # personal data was hidden from this text
    revealed: bool
    intent: str
    lang: str
    passages: tuple[PassageView, ...]
    sentences: tuple[SentenceView, ...]
    citations: tuple[str, ...]
    cards: tuple[str, ...]  # SKUs shown as product cards
    model: str
    tokens: int
    latency_ms: tuple[tuple[str, float], ...]  # (stage, ms), in the order they were taken
    failed_checks: int
    thumbs: str | None
    review: ReviewView | None

    @property
    def claim_count(self) -> int:
        return sum(len(s.claims) for s in self.sentences)


@dataclass(frozen=True)
class TranscriptView:
    conversation: Conversation
    customer: str  # masked for agents; "" when not a known customer
    turns: tuple[TurnView, ...]
    tags: tuple[TagView, ...]
    notes: tuple[NoteView, ...]


def load_transcript(
    engine: Engine, conversation_id: str, *, reveal: str | None = None
) -> TranscriptView | None:
    """The whole conversation (blocking; run in a worker thread); None when unknown.

    Personal data is masked in every turn but `reveal` (an admin's audited request)
    and in the customer's name and email.
    """
    with Session(engine) as session:
        conversation = session.get(Conversation, conversation_id)
        if conversation is None:
            return None
        turns = session.exec(
            select(Turn)
            .where(Turn.conversation_id == conversation_id)
            .order_by(col(Turn.created_at), col(Turn.id))
        ).all()
        customer = (
            session.get(Customer, conversation.customer_id) if conversation.customer_id else None
        )
        customer_text = _customer_text(customer)
        session.expunge_all()
    reviews = {r.turn_id: r for r in reviews_of(engine, conversation_id)}
    views = tuple(_turn_view(turn, turn.id == reveal, reviews.get(turn.id)) for turn in turns)
    return TranscriptView(
        conversation=conversation,
        customer=mask_pii(customer_text).text,
        turns=views,
        tags=tuple(tags_of(engine, conversation_id)),
        notes=tuple(notes_of(engine, conversation_id)),
    )


def turn_text(engine: Engine, conversation_id: str, turn_id: str) -> str | None:
    """One turn's raw text (for an audited reveal); None when not in this conversation."""
    with Session(engine) as session:
        turn = session.get(Turn, turn_id)
        if turn is None or turn.conversation_id != conversation_id:
            return None
        return turn.text


def _customer_text(customer: Customer | None) -> str:
    if customer is None:
        return ""
    parts = [customer.name, customer.email or ""]
    return " · ".join(p for p in parts if p) or f"customer #{customer.id}"


def _turn_view(turn: Turn, revealed: bool, review: ReviewView | None) -> TurnView:
    masked = mask_pii(turn.text)
    has_pii = bool(masked.spans)
    return TurnView(
        id=turn.id,
        role=turn.role,
        who=(turn.author or "Staff")
        if turn.role == "staff"
        else ROLE_NAMES.get(turn.role, turn.role),
        created_at=turn.created_at,
        text=turn.text if revealed else masked.text,
        masked=has_pii and not revealed,
        revealed=revealed and has_pii,
        intent=turn.intent,
        lang=turn.lang,
        passages=tuple(_passages(turn.passages)),
        sentences=tuple(_sentences(turn.claims)),
        citations=tuple(str(c) for c in turn.citations if c),
        cards=tuple(
            str(c.get("sku")) for c in turn.cards if isinstance(c, Mapping) and c.get("sku")
        ),
        model=turn.model,
        tokens=turn.tokens,
        latency_ms=tuple(
            (str(stage), float(ms))
            for stage, ms in turn.latency_ms.items()
            if isinstance(ms, int | float)
        ),
        failed_checks=turn.failed_checks,
        thumbs=turn.thumbs,
        review=review,
    )


def citation_label(ref: str) -> str:
    """A citation as a reader names it: "SKU EA-1001 · price", "returns.md › Refunds"."""
    head, _, tail = ref.partition("#")
    if "/" in head or head.endswith((".md", ".markdown", ".txt")) or not tail:
        return f"{head} › {tail}" if tail else head
    return f"SKU {head} · {tail}"


def _passages(rows: Iterable[Any]) -> Iterable[PassageView]:
    for row in rows:
        if not isinstance(row, Mapping):
            continue
        ref = str(row.get("ref", ""))
        score = row.get("score")
        yield PassageView(
            ref=ref,
            source=citation_label(ref),
            text=str(row.get("text", "")),
            score=float(score) if isinstance(score, int | float) else None,
        )


def _sentences(rows: Iterable[Any]) -> Iterable[SentenceView]:
    """The verifier's per-sentence records; flat claims gathered under one unnamed sentence."""
    loose: list[ClaimView] = []
    for row in rows:
        if not isinstance(row, Mapping):
            continue
        if "sentence" in row:
            claims = row.get("claims")
            sent = row.get("text_to_send")
            yield SentenceView(
                sentence=str(row.get("sentence", "")),
                sent_text=str(sent) if sent is not None else None,
                action=str(row.get("action", "")),
                reason=str(row.get("reason", "")),
                claims=tuple(_claim(c) for c in claims if isinstance(c, Mapping))
                if isinstance(claims, list)
                else (),
            )
        elif "verdict" in row:
            loose.append(_claim(row))
    if loose:
        yield SentenceView("", None, "", "", tuple(loose))


def _claim(row: Mapping[str, Any]) -> ClaimView:
    inner = row.get("claim")
    claim: Mapping[str, Any] = inner if isinstance(inner, Mapping) else row
    verdict = str(row.get("verdict", ""))
    citations = row.get("citations")
    return ClaimView(
        text=str(claim.get("text", "")),
        kind=str(claim.get("kind", "")),
        verdict=verdict if verdict in VERDICTS else "unsupported",
        checked_against=tuple(str(c) for c in citations) if isinstance(citations, list) else (),
        expected=str(row.get("expected", "") or ""),
        reason=str(row.get("reason", "") or ""),
    )
