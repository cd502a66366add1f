"""The conversation store in SQL (SQLite or PostgreSQL) through sqlmodel.

Sequence numbers come from `UPDATE ... SET last_seq = last_seq + 1 RETURNING`,
so two processes appending to one conversation still get distinct numbers, and
a unique (conversation, message id) index makes a resent message a no-op.
Blocking database calls run in worker threads: the event loop never waits on them.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any, TypeVar

import anyio.to_thread
from pydantic import TypeAdapter
from sqlalchemy import (
    Column,
    Connection,
    Engine,
    Text,
    UniqueConstraint,
    bindparam,
    insert,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlmodel import Field, Session, SQLModel, col, select

from bot.web.events import (
    AnswerEvent,
    ClosedEvent,
    ConversationEvent,
    StaffEvent,
    UserEvent,
    utcnow,
)
from bot.web.group_commit import GroupCommit
from bot.web.store import ConversationInfo, StoreError, UnknownConversation, new_conversation_id
from catalog.db import translate_db_errors
from catalog.errors import CatalogError
from dialogue.types import Feedback

E = TypeVar("E", AnswerEvent, StaffEvent, ClosedEvent)
T = TypeVar("T")
_EVENT: TypeAdapter[ConversationEvent] = TypeAdapter(ConversationEvent)


class WebConversation(SQLModel, table=True):
    __tablename__ = "web_conversation"

    id: str = Field(primary_key=True, max_length=64)
    shop: str = Field(default="", max_length=128)
    created_at: datetime = Field(default_factory=utcnow)
    locale: str = Field(default="", max_length=16)
    customer_id: int | None = None
    status: str = Field(default="open", max_length=16)
    last_seq: int = 0


class WebEvent(SQLModel, table=True):
    __tablename__ = "web_event"
    __table_args__ = (
        UniqueConstraint("conversation_id", "seq"),
        UniqueConstraint("conversation_id", "message_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    conversation_id: str = Field(foreign_key="web_conversation.id", index=True, max_length=64)
    seq: int
    kind: str = Field(max_length=16)
    message_id: str | None = Field(default=None, max_length=64)  # shopper messages only
    reply_to: str | None = Field(default=None, max_length=64, index=True)  # answers only
    turn_id: str | None = Field(default=None, max_length=128)
    body: str = Field(sa_column=Column(Text, nullable=False))  # the event as JSON


class WebFeedback(SQLModel, table=True):
    __tablename__ = "web_feedback"
    __table_args__ = (UniqueConstraint("conversation_id", "turn_key"),)

    id: int | None = Field(default=None, primary_key=True)
    conversation_id: str = Field(foreign_key="web_conversation.id", index=True, max_length=64)
    # the turn for thumbs, "*" for the conversation's CSAT: one row each, latest wins
    turn_key: str = Field(max_length=128)
    turn_id: str | None = Field(default=None, max_length=128)
    thumbs: str | None = Field(default=None, max_length=8)
    csat: int | None = None
    comment: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    extra: str = Field(default="{}", sa_column=Column(Text, nullable=False, default="{}"))
    updated_at: datetime = Field(default_factory=utcnow)


_CONV = SQLModel.metadata.tables["web_conversation"]
_EVT = SQLModel.metadata.tables["web_event"]


def _next_seq(status: str | None) -> Any:
    values: dict[str, Any] = {"last_seq": _CONV.c.last_seq + 1}
    if status is not None:
        values["status"] = status
    return (
        update(_CONV)
        .where(_CONV.c.id == bindparam("cid"))
        .values(**values)
        .returning(_CONV.c.last_seq)
    )


# Built once: making a statement costs more than running it on SQLite.
# A shopper message reopens the conversation, `closed` ends it, others leave it be.
_NEXT_SEQ = {
    "user": _next_seq("open"),
    "answer": _next_seq(None),
    "staff": _next_seq(None),
    "closed": _next_seq("closed"),
}
_INSERT_EVENT = insert(_EVT)
_INSERT_CONVERSATION = insert(_CONV)
_FIND_USER = select(_EVT.c.body).where(
    _EVT.c.conversation_id == bindparam("cid"), _EVT.c.message_id == bindparam("mid")
)
WEB_TABLES = [
    SQLModel.metadata.tables[name] for name in ("web_conversation", "web_event", "web_feedback")
]


class SqlConversationStore:
    """`ConversationStore` over an SQLAlchemy engine (see catalog.db.create_db_engine)."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        # Appends from many conversations at once share transactions (one commit each).
        self._writes = GroupCommit(self._begin)

    @contextmanager
    def _begin(self) -> Iterator[Connection]:
        with self._translated(), self._engine.begin() as conn:
            yield conn

    def create_tables(self) -> None:
        with self._translated():
            SQLModel.metadata.create_all(self._engine, tables=WEB_TABLES)

    @contextmanager
    def _translated(self) -> Iterator[None]:
        try:
            with translate_db_errors(self._engine):
                yield
        except CatalogError as exc:
            raise StoreError(str(exc)) from exc

    @contextmanager
    def _session(self) -> Iterator[Session]:
        with self._translated(), Session(self._engine, expire_on_commit=False) as session:
            yield session

    async def _run(self, fn: Callable[[], T]) -> T:
        return await anyio.to_thread.run_sync(fn)

    async def create(
        self, shop: str, locale: str = "", customer_id: int | None = None
    ) -> ConversationInfo:
        info = ConversationInfo(
            id=new_conversation_id(),
            shop=shop,
            created_at=utcnow(),
            locale=locale,
            customer_id=customer_id,
        )

        def op(conn: Connection) -> ConversationInfo:
            conn.execute(
                _INSERT_CONVERSATION,
                {
                    "id": info.id,
                    "shop": shop,
                    "created_at": info.created_at,
                    "locale": locale,
                    "customer_id": customer_id,
                    "status": "open",
                    "last_seq": 0,
                },
            )
            return info

        result: ConversationInfo = await self._writes.run(op)
        return result

    async def get(self, conversation_id: str) -> ConversationInfo | None:
        def work() -> ConversationInfo | None:
            with self._translated(), self._engine.connect() as conn:
                row = conn.execute(_CONV.select().where(_CONV.c.id == conversation_id)).first()
            if row is None:
                return None
            return ConversationInfo(
                id=row.id,
                shop=row.shop,
                created_at=row.created_at,
                locale=row.locale,
                customer_id=row.customer_id,
                status="closed" if row.status == "closed" else "open",
                last_seq=row.last_seq,
            )

        return await self._run(work)

    async def set_customer(self, conversation_id: str, customer_id: int) -> None:
        def work() -> None:
            with self._session() as s:
                stmt = update(WebConversation).where(col(WebConversation.id) == conversation_id)
                s.execute(stmt.values(customer_id=customer_id))
                s.commit()

        await self._run(work)

    def _append(self, conn: Connection, conversation_id: str, event: E | UserEvent) -> int:
        """Number and insert one event inside the caller's transaction; its seq."""
        seq = conn.execute(_NEXT_SEQ[event.type], {"cid": conversation_id}).scalar_one_or_none()
        if seq is None:
            raise UnknownConversation(conversation_id)
        answer = event if isinstance(event, AnswerEvent) else None
        conn.execute(
            _INSERT_EVENT,
            {
                "conversation_id": conversation_id,
                "seq": seq,
                "kind": event.type,
                "message_id": event.id if isinstance(event, UserEvent) else None,
                "reply_to": answer.reply_to if answer else None,
                "turn_id": answer.turn_id if answer else None,
                "body": event.model_copy(update={"seq": seq}).model_dump_json(),
            },
        )
        return int(seq)

    async def append_user(self, conversation_id: str, event: UserEvent) -> tuple[UserEvent, bool]:
        def op(conn: Connection) -> tuple[UserEvent, bool]:
            params = {"cid": conversation_id, "mid": event.id}
            body = conn.execute(_FIND_USER, params).scalar_one_or_none()
            if body is not None:
                return UserEvent.model_validate_json(body), False
            # A racing process that stores the same id first makes this insert fail on the
            # unique index; the retry alone in its own transaction then finds its copy.
            seq = self._append(conn, conversation_id, event)
            return event.model_copy(update={"seq": seq}), True

        result: tuple[UserEvent, bool] = await self._writes.run(op)
        return result

    async def append(self, conversation_id: str, event: E) -> E:
        def op(conn: Connection) -> E:
            seq = self._append(conn, conversation_id, event)
            return event.model_copy(update={"seq": seq})

        result: E = await self._writes.run(op)
        return result

    async def events(
        self, conversation_id: str, after_seq: int = 0, limit: int = 500
    ) -> list[ConversationEvent]:
        def work() -> list[ConversationEvent]:
            with self._translated(), self._engine.connect() as conn:
                known = conn.execute(select(_CONV.c.id).where(_CONV.c.id == conversation_id))
                if known.first() is None:
                    raise UnknownConversation(conversation_id)
                bodies = conn.execute(
                    select(_EVT.c.body)
                    .where(_EVT.c.conversation_id == conversation_id, _EVT.c.seq > after_seq)
                    .order_by(_EVT.c.seq)
                    .limit(limit)
                ).scalars()
                return [_EVENT.validate_json(body) for body in bodies]

        return await self._run(work)

    async def answer_to(self, conversation_id: str, message_id: str) -> AnswerEvent | None:
        def work() -> AnswerEvent | None:
            with self._translated(), self._engine.connect() as conn:
                body = conn.execute(
                    select(_EVT.c.body)
                    .where(_EVT.c.conversation_id == conversation_id, _EVT.c.reply_to == message_id)
                    .limit(1)
                ).scalar_one_or_none()
            return AnswerEvent.model_validate_json(body) if body is not None else None

        return await self._run(work)

    async def has_turn(self, conversation_id: str, turn_id: str) -> bool:
        def work() -> bool:
            with self._translated(), self._engine.connect() as conn:
                found = conn.execute(
                    select(_EVT.c.id)
                    .where(_EVT.c.conversation_id == conversation_id, _EVT.c.turn_id == turn_id)
                    .limit(1)
                ).first()
            return found is not None

        return await self._run(work)

    async def record_feedback(self, feedback: Feedback) -> None:
        def work() -> None:
            key = "*" if feedback.csat is not None else (feedback.turn_id or "")
            with self._session() as s:
                stmt = select(WebFeedback).where(
                    col(WebFeedback.conversation_id) == feedback.conversation_id,
                    col(WebFeedback.turn_key) == key,
                )
                row = s.execute(stmt).scalar_one_or_none()
                if row is None:
                    row = WebFeedback(conversation_id=feedback.conversation_id, turn_key=key)
                row.turn_id = feedback.turn_id
                row.thumbs = feedback.thumbs
                row.csat = feedback.csat
                row.comment = feedback.comment
                row.extra = json.dumps(feedback.extra, ensure_ascii=False)
                row.updated_at = utcnow()
                s.add(row)
                try:
                    s.commit()
                except IntegrityError as exc:
                    raise UnknownConversation(feedback.conversation_id) from exc

        await self._run(work)

    async def feedback(self, conversation_id: str) -> list[Feedback]:
        def work() -> list[Feedback]:
            with self._session() as s:
                stmt = select(WebFeedback).where(
                    col(WebFeedback.conversation_id) == conversation_id
                )
                return [
                    Feedback(
                        conversation_id=row.conversation_id,
                        turn_id=row.turn_id,
                        thumbs="up" if row.thumbs == "up" else "down" if row.thumbs else None,
                        csat=row.csat,
                        comment=row.comment,
                        extra=json.loads(row.extra),
                    )
                    for row in s.execute(stmt.order_by(col(WebFeedback.id))).scalars()
                ]

        return await self._run(work)

    async def ping(self) -> None:
        def work() -> None:
            with self._session() as s:
                s.execute(select(1))

        await self._run(work)
