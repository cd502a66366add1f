"""Each conversation's owner and memory, shared through the database.

The owner (bot / waiting / staff / closed) is read at the start of every turn,
so a staff member who takes over in the console — in this process or another —
silences the bot from the shopper's next message on.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session

from dialogue.handoff import HandoffAction, HandoffState, transition
from dialogue.state import ConversationState
from dialogue.transcript_tables import Conversation
from dialogue.types import Owner

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ConversationRecord:
    conversation_id: str
    handoff: HandoffState
    state: ConversationState


@dataclass(frozen=True)
class HandoffEvent:
    conversation_id: str
    action: HandoffAction
    owner: Owner
    staff: str | None
    reason: str


HandoffListener = Callable[[HandoffEvent], Awaitable[None]]


class ConversationRepo:
    """Reads and writes the conversation row; a dead database falls back to memory."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._memory: dict[str, ConversationRecord] = {}
        self._listeners: list[HandoffListener] = []

    def subscribe(self, listener: HandoffListener) -> None:
        self._listeners.append(listener)

    async def load(self, conversation_id: str, channel: str) -> ConversationRecord:
        try:
            return await asyncio.to_thread(self._load, conversation_id, channel)
        except SQLAlchemyError as exc:
            log.warning("conversation store unavailable, using memory: %s", exc)
            return self._memory.get(
                conversation_id,
                ConversationRecord(conversation_id, HandoffState(), ConversationState()),
            )

    async def save_state(self, conversation_id: str, state: ConversationState) -> None:
        record = self._memory.get(conversation_id)
        handoff = record.handoff if record else HandoffState()
        self._memory[conversation_id] = ConversationRecord(conversation_id, handoff, state)
        try:
            await asyncio.to_thread(self._save_state, conversation_id, state)
        except SQLAlchemyError as exc:
            log.warning("conversation state kept in memory only: %s", exc)

    async def apply(
        self,
        conversation_id: str,
        action: HandoffAction,
        *,
        staff: str | None = None,
        reason: str = "",
        resolved: bool | None = None,
        reassign: bool = False,
    ) -> HandoffState:
        """Move the conversation's owner; raises HandoffError when not allowed."""
        new = await asyncio.to_thread(
            self._apply, conversation_id, action, staff, reason, resolved, reassign
        )
        event = HandoffEvent(conversation_id, action, new.owner, new.staff, new.reason)
        for listener in self._listeners:
            await listener(event)
        return new

    # -- database side, run in worker threads ---------------------------
    def _row(self, session: Session, conversation_id: str, channel: str) -> Conversation:
        row = session.get(Conversation, conversation_id)
        if row is None:
            row = Conversation(id=conversation_id, channel=channel)
            session.add(row)
            session.commit()
            session.refresh(row)
        return row

    def _load(self, conversation_id: str, channel: str) -> ConversationRecord:
        with Session(self.engine) as session:
            row = self._row(session, conversation_id, channel)
            record = ConversationRecord(
                conversation_id, _handoff_of(row), ConversationState.from_json(row.state)
            )
        self._memory[conversation_id] = record
        return record

    def _save_state(self, conversation_id: str, state: ConversationState) -> None:
        with Session(self.engine) as session:
            row = self._row(session, conversation_id, "web")
            row.state = state.to_json()
            row.failed_answers = state.failed_answers
            row.lang = state.lang or row.lang
            row.last_activity_at = datetime.now(UTC)
            session.add(row)
            session.commit()

    def _apply(
        self,
        conversation_id: str,
        action: HandoffAction,
        staff: str | None,
        reason: str,
        resolved: bool | None,
        reassign: bool = False,
    ) -> HandoffState:
        with Session(self.engine) as session:
            row = self._row(session, conversation_id, "web")
            new = transition(
                _handoff_of(row),
                action,
                staff=staff,
                reason=reason,
                resolved=resolved,
                reassign=reassign,
            )
            row.owner, row.owner_staff, row.owner_since = new.owner, new.staff, new.since
            if action == "request_human":
                row.handed_off, row.handoff_reason = True, new.reason
            if action == "close":
                row.resolved, row.closed_at = resolved, datetime.now(UTC)
            session.add(row)
            session.commit()
        record = self._memory.get(conversation_id)
        state = record.state if record else ConversationState()
        self._memory[conversation_id] = ConversationRecord(conversation_id, new, state)
        return new


def _handoff_of(row: Conversation) -> HandoffState:
    owner: Owner = row.owner if row.owner in ("bot", "waiting", "staff", "closed") else "bot"  # type: ignore[assignment]
    return HandoffState(
        owner=owner,
        staff=row.owner_staff,
        reason=row.handoff_reason,
        since=row.owner_since,
        resolved=row.resolved,
    )
