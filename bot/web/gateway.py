"""The channel core: store a shopper message once, run its turn, fan the answer out.

Transport-free: the HTTP routes and the WebSocket endpoint both call it. A turn
runs in its own task, so a socket that drops mid-answer does not cancel it; the
answer is logged and the reconnecting client gets it by replay.

Ordering: per conversation, `room.lock` covers "append to the store, then publish",
and a subscriber is added under the same lock right after its replay is read, so
every subscriber sees every logged event exactly once and in sequence order.
"""

from __future__ import annotations

import asyncio
import logging
import re
import uuid
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal, Protocol

from bot.bus import LiveBus, LiveEvent
from bot.web.events import (
    AnswerEvent,
    CardOut,
    ClosedEvent,
    SentenceBody,
    StaffEvent,
    UserEvent,
)
from bot.web.products import ProductLookup, fill_card
from bot.web.protocol import CardsFrame, SentenceFrame, StaffTypingFrame, TypingFrame
from bot.web.store import ConversationInfo, ConversationStore, StoreError, UnknownConversation
from dialogue.types import Answer, CardsOut, DialogueManager, SentenceOut, Typing, UserTurn

log = logging.getLogger(__name__)

_CJK = re.compile(r"[\u3400-\u9fff]")
APOLOGY = {
    "en": "Sorry, I could not answer that just now. Please try again, or ask for a person.",
    "zh": "抱歉，现在无法回答这个问题。请稍后再试，或者转人工客服。",
}


def guess_lang(text: str, hint: str = "") -> str:
    if hint.startswith("zh") or (not hint and _CJK.search(text)):
        return "zh"
    return "en"


def typing_frame(reply_to: str) -> str:
    return TypingFrame.model_construct(reply_to=reply_to).model_dump_json()


class Subscriber(Protocol):
    """A live client of one conversation (a WebSocket). `deliver` must not block."""

    def deliver(self, frame: str) -> None: ...


@dataclass(eq=False)
class Turn:
    """One message's answer while it is being made; kept until the answer is logged."""

    message_id: str
    sentences: list[SentenceFrame] = field(default_factory=list)
    cards: CardsFrame | None = None
    typing: bool = True
    # set when a person takes the conversation over: the bot stops mid-answer
    silenced: bool = False
    done: asyncio.Future[AnswerEvent] = field(
        default_factory=lambda: asyncio.get_running_loop().create_future()
    )

    def partial_frames(self) -> list[str]:
        """What a client that connects mid-answer needs to catch up."""
        frames = [s.model_dump_json() for s in self.sentences]
        if self.cards is not None:
            frames.append(self.cards.model_dump_json())
        if self.typing:
            frames.append(typing_frame(self.message_id))
        return frames


class Room:
    """The live state of one conversation in this process."""

    def __init__(self) -> None:
        self.lock = asyncio.Lock()  # append + publish, attach
        self.turn_lock = asyncio.Lock()  # one turn at a time, in arrival order
        self.subscribers: set[Subscriber] = set()
        self.turns: dict[str, Turn] = {}
        # The newest logged event every subscriber has been sent (see Gateway.refresh).
        self.published_seq = 0

    def publish(self, frame: str) -> None:
        for sub in list(self.subscribers):
            sub.deliver(frame)

    def publish_event(self, event: UserEvent | AnswerEvent | StaffEvent | ClosedEvent) -> None:
        """Send a logged event; call with `lock` held so sequence order is kept."""
        self.publish(event.model_dump_json())
        self.published_seq = max(self.published_seq, event.seq)


@dataclass(frozen=True)
class Submission:
    message: UserEvent
    created: bool  # False: this message id was seen before
    turn: Turn | None  # the answer in progress, if any
    answer: AnswerEvent | None  # the answer already logged, if any


class Gateway:
    def __init__(
        self,
        manager: DialogueManager,
        store: ConversationStore,
        products: ProductLookup,
        *,
        turn_timeout_s: float = 120.0,
        make_turn_id: Callable[[], str] = lambda: uuid.uuid4().hex,
        bus: LiveBus | None = None,
    ) -> None:
        self.manager = manager
        self.store = store
        self.products = products
        self.turn_timeout_s = turn_timeout_s
        self._make_turn_id = make_turn_id
        self.bus = bus
        # Names this process on the bus, so it skips the streamed frames it sent itself.
        self.origin = uuid.uuid4().hex
        # A room lives while a socket, a turn or a waiting call holds it.
        self._rooms: weakref.WeakValueDictionary[str, Room] = weakref.WeakValueDictionary()
        self._tasks: set[asyncio.Task[None]] = set()
        self.draining = False  # shutting down: /readyz says so, running turns may finish

    def room(self, conversation_id: str) -> Room:
        room = self._rooms.get(conversation_id)
        if room is None:
            room = Room()
            self._rooms[conversation_id] = room
        return room

    # ---- conversations -------------------------------------------------------------

    async def start(self, shop: str, locale: str, customer_id: int | None) -> ConversationInfo:
        return await self.store.create(shop=shop, locale=locale, customer_id=customer_id)

    async def find(self, conversation_id: str) -> ConversationInfo | None:
        return await self.store.get(conversation_id)

    async def attach(self, conversation_id: str, sub: Subscriber, after_seq: int) -> Room:
        """Replay logged events after `after_seq` to `sub`, then keep it subscribed."""
        room = self.room(conversation_id)
        async with room.lock:
            while True:
                events = await self.store.events(conversation_id, after_seq, limit=500)
                for event in events:
                    sub.deliver(event.model_dump_json())
                    after_seq = event.seq
                if len(events) < 500:
                    break
            room.published_seq = max(room.published_seq, after_seq)
            # No await from here on: a streamed sentence cannot slip between these lines.
            for turn in room.turns.values():
                for frame in turn.partial_frames():
                    sub.deliver(frame)
            room.subscribers.add(sub)
        return room

    def detach(self, room: Room, sub: Subscriber) -> None:
        room.subscribers.discard(sub)

    async def post_staff(self, conversation_id: str, text: str, author: str = "") -> StaffEvent:
        """A staff member's message, shown in the widget as theirs (for the staff console)."""
        room = self.room(conversation_id)
        async with room.lock:
            event = await self.store.append(conversation_id, StaffEvent(text=text, author=author))
            room.publish_event(event)
        await self._announce(conversation_id, event.seq)
        return event

    async def close(
        self, conversation_id: str, by: Literal["shopper", "staff", "bot"] = "shopper"
    ) -> ClosedEvent:
        room = self.room(conversation_id)
        async with room.lock:
            event = await self.store.append(conversation_id, ClosedEvent(by=by))
            room.publish_event(event)
        await self._announce(conversation_id, event.seq)
        return event

    # ---- live updates from other processes and from staff ----------------------------

    async def refresh(self, conversation_id: str, seq: int = 0) -> None:
        """Send this process's subscribers the events another process logged."""
        room = self._rooms.get(conversation_id)
        if room is None or not room.subscribers or (seq and seq <= room.published_seq):
            return
        async with room.lock:
            for event in await self.store.events(conversation_id, room.published_seq, limit=500):
                room.publish_event(event)

    def relay(self, conversation_id: str, frame: str, origin: str) -> None:
        """A frame streamed by another process (a sentence, cards, typing) for sockets here."""
        room = self._rooms.get(conversation_id)
        if room is not None and origin != self.origin:
            room.publish(frame)

    async def _stream(self, room: Room, conversation_id: str, frame: str) -> None:
        """Publish a live (unlogged) frame here and to sockets held by other processes."""
        room.publish(frame)
        if self.bus is None:
            return
        try:
            await self.bus.publish(
                LiveEvent(
                    kind="frame", conversation_id=conversation_id, frame=frame, origin=self.origin
                )
            )
        except Exception:  # live fan-out is best effort: the logged answer follows
            log.warning("could not relay a streamed frame of %s", conversation_id)

    def silence(self, conversation_id: str) -> None:
        """A person took over: answers being made here stop after the current sentence."""
        room = self._rooms.get(conversation_id)
        for turn in room.turns.values() if room else ():
            turn.silenced = True

    def staff_typing(self, conversation_id: str, author: str) -> None:
        room = self._rooms.get(conversation_id)
        if room is not None:
            room.publish(StaffTypingFrame(author=author).model_dump_json())

    async def shopper_typing(self, conversation_id: str) -> None:
        if self.bus is not None:
            await self.bus.publish(
                LiveEvent(
                    kind="typing", conversation_id=conversation_id, channel="web", who="shopper"
                )
            )

    async def _announce(self, conversation_id: str, seq: int) -> None:
        """Tell other processes that `seq` was logged, for shoppers' sockets held there."""
        if self.bus is None:
            return
        try:
            await self.bus.publish(
                LiveEvent(kind="events", conversation_id=conversation_id, channel="web", seq=seq)
            )
        except Exception:  # live fan-out is best effort; the event is logged and replays
            log.warning("could not announce event %s of %s", seq, conversation_id)

    # ---- messages ------------------------------------------------------------------

    async def submit(
        self,
        conversation: ConversationInfo,
        message: UserEvent,
        *,
        locale: str = "",
        customer_id: int | None = None,
    ) -> Submission:
        """Log a shopper message once and make sure exactly one turn answers it."""
        room = self.room(conversation.id)
        if customer_id is not None and customer_id != conversation.customer_id:
            await self.store.set_customer(conversation.id, customer_id)
        async with room.lock:
            stored, created = await self.store.append_user(conversation.id, message)
            if created:
                room.publish_event(stored)
        if created:
            await self._announce(conversation.id, stored.seq)
        # No await from the append to _start_turn: a resend racing this call finds the
        # turn in room.turns and cannot start a second one.
        turn = room.turns.get(stored.id)
        if created:
            turn = self._start_turn(room, conversation, stored, locale, customer_id)
            return Submission(stored, True, turn, None)
        if turn is not None:
            return Submission(stored, False, turn, None)
        answer = await self.store.answer_to(conversation.id, stored.id)
        if answer is not None:
            return Submission(stored, False, None, answer)
        # Logged but never answered (the server stopped mid-turn): answer it now,
        # unless a resend racing this one already started the turn.
        turn = room.turns.get(stored.id) or self._start_turn(
            room, conversation, stored, locale, customer_id
        )
        return Submission(stored, False, turn, None)

    async def ask(
        self,
        conversation: ConversationInfo,
        message: UserEvent,
        *,
        locale: str = "",
        customer_id: int | None = None,
    ) -> tuple[UserEvent, AnswerEvent]:
        """The non-streaming path: submit and wait for the whole answer."""
        sub = await self.submit(conversation, message, locale=locale, customer_id=customer_id)
        if sub.answer is not None:
            return sub.message, sub.answer
        assert sub.turn is not None
        # shield: a client that gives up waiting must not cancel the shared turn
        return sub.message, await asyncio.shield(sub.turn.done)

    def _start_turn(
        self,
        room: Room,
        conversation: ConversationInfo,
        message: UserEvent,
        locale: str,
        customer_id: int | None,
    ) -> Turn:
        turn = Turn(message_id=message.id)
        room.turns[message.id] = turn
        # First visible feedback right away, before the manager has said anything.
        room.publish(typing_frame(message.id))
        user_turn = UserTurn(
            conversation_id=conversation.id,
            channel="web",
            text=message.text,
            message_id=message.id,
            locale=locale or conversation.locale,
            page_sku=message.page_sku,
            customer_id=customer_id,
        )
        task = asyncio.create_task(self._run_turn(conversation.id, room, turn, user_turn))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return turn

    async def _run_turn(self, conversation_id: str, room: Room, turn: Turn, ut: UserTurn) -> None:
        try:
            async with room.turn_lock:
                event = await self._answer(room, turn, ut)
            async with room.lock:
                try:
                    event = await self.store.append(conversation_id, event)
                except StoreError:
                    # The shopper still gets the answer; only its replay is lost.
                    log.exception("could not log the answer to %s", ut.message_id)
                room.publish_event(event)
            turn.done.set_result(event)
            await self._announce(conversation_id, event.seq)
        except asyncio.CancelledError:
            turn.done.cancel()
            raise
        except Exception as exc:  # a store failure outside the answer itself
            log.exception("turn for %s failed", ut.message_id)
            turn.done.set_exception(exc)
            turn.done.exception()  # marked retrieved: nobody may be waiting
        finally:
            room.turns.pop(turn.message_id, None)

    async def _answer(self, room: Room, turn: Turn, ut: UserTurn) -> AnswerEvent:
        """Drive the dialogue manager, streaming its events; always ends in an answer."""
        sentences: list[SentenceBody] = []
        cards: list[CardOut] = []
        answer: Answer | None = None
        try:
            async with asyncio.timeout(self.turn_timeout_s):
                async for ev in self.manager.handle(ut):
                    if turn.silenced:
                        break
                    if isinstance(ev, Typing):
                        if not turn.typing:
                            turn.typing = True
                            await self._stream(
                                room, ut.conversation_id, typing_frame(turn.message_id)
                            )
                    elif isinstance(ev, SentenceOut):
                        body = SentenceBody.of(ev)
                        frame = SentenceFrame.model_construct(
                            reply_to=turn.message_id,
                            index=len(sentences),
                            text=body.text,
                            citations=body.citations,
                        )
                        sentences.append(body)
                        turn.sentences.append(frame)
                        turn.typing = False
                        await self._stream(room, ut.conversation_id, frame.model_dump_json())
                    elif isinstance(ev, CardsOut):
                        cards = [await fill_card(self.products, CardOut.of(c)) for c in ev.cards]
                        turn.cards = CardsFrame.model_construct(
                            reply_to=turn.message_id, cards=cards
                        )
                        await self._stream(room, ut.conversation_id, turn.cards.model_dump_json())
                    elif isinstance(ev, Answer):
                        answer = ev
                        break
        except Exception:
            log.exception("dialogue turn for %s failed", ut.message_id)
            answer = None
            sentences = []
        turn.typing = False
        if answer is None and turn.silenced:
            # what was already said stays; the rest is the staff member's to say
            answer = Answer(
                turn_id=self._make_turn_id(),
                text=" ".join(s.text for s in sentences),
                lang=guess_lang(ut.text, ut.locale),
                intent="",
                owner="staff",
            )
        if answer is None:
            text = " ".join(s.text for s in sentences) or APOLOGY[guess_lang(ut.text, ut.locale)]
            answer = Answer(
                turn_id=self._make_turn_id(),
                text=text,
                lang=guess_lang(ut.text, ut.locale),
                intent="error" if not sentences else "unknown",
            )
        if answer.cards and [c.sku for c in answer.cards] != [c.sku for c in cards]:
            cards = [await fill_card(self.products, CardOut.of(c)) for c in answer.cards]
        return AnswerEvent.of(answer, ut.message_id, sentences, cards)

    @property
    def turns_in_flight(self) -> int:
        return len(self._tasks)

    def open_sockets(self) -> int:
        """Live clients (WebSockets) subscribed to conversations in this process."""
        return sum(len(room.subscribers) for room in list(self._rooms.values()))

    async def shutdown(self, grace_s: float = 0.0) -> None:
        """The server is stopping: let running turns finish for up to `grace_s` seconds,
        then cancel the rest. A cancelled turn's message stays logged; a resend answers it."""
        self.draining = True
        if self._tasks and grace_s > 0:
            await asyncio.wait(list(self._tasks), timeout=grace_s)
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)


__all__ = ["APOLOGY", "Gateway", "Room", "Submission", "Turn", "UnknownConversation"]
