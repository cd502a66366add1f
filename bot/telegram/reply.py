"""Showing one answer in one chat while the dialogue manager makes it.

Sentences arrive one by one. In a private chat whose Bot API server takes
sendMessageDraft, they stream as a draft and the final text is then sent as a
normal message. Otherwise the first sentences are sent as a message that is
edited as more arrive, at most once per `edit_interval_s`, and finally replaced
by the whole answer with its buttons. Product cards follow the text. A "typing…"
action is refreshed every `typing_interval_s` until the answer is out.

Every message of a turn has a key derived from the shopper's message, so a
turn handled twice (a redelivered update) is not shown twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import re
import time
from collections.abc import AsyncIterator, Awaitable, Callable

from aiogram.methods import (
    EditMessageText,
    SendChatAction,
    SendMessage,
    SendMessageDraft,
    SendPhoto,
)
from aiogram.types import InlineKeyboardMarkup, Message

from bot.telegram.errors import DeliveryError
from bot.telegram.outbox import Outbox
from bot.telegram.render import (
    MESSAGE_LIMIT,
    card_caption,
    card_keyboard,
    clip,
    photo_url,
    sources_line,
    split_message,
)
from bot.telegram.services import TelegramServices
from bot.telegram.texts import text
from dialogue.types import (
    Answer,
    AnswerEvent,
    CardsOut,
    Citation,
    ProductCard,
    SentenceOut,
    Typing,
)

log = logging.getLogger(__name__)

FinishHook = Callable[[Answer], Awaitable[InlineKeyboardMarkup | None]]
_CJK_END = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]$")
_IN_PROGRESS = " …"


class TypingKeeper:
    """Sends "typing" now and every `interval_s` until stopped; failures are ignored.

    Chat actions are not messages: they bypass the outbox's queues and limits.
    """

    def __init__(self, outbox: Outbox, chat_id: int, interval_s: float) -> None:
        self.outbox = outbox
        self.chat_id = chat_id
        self.interval_s = interval_s
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run())

    async def _run(self) -> None:
        while True:
            await self.outbox.attempt(SendChatAction(chat_id=self.chat_id, action="typing"))
            await asyncio.sleep(self.interval_s)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task


def join_sentences(sentences: list[str]) -> str:
    """English sentences with spaces; Chinese ones run on as they are written."""
    out = ""
    for sentence in sentences:
        sentence = sentence.strip()
        if out and sentence:
            out += "" if _CJK_END.search(out) else " "
        out += sentence
    return out


def draft_id_for(key: str) -> int:
    """A non-zero 31-bit id, the same for every redraw of one answer."""
    return int.from_bytes(hashlib.blake2b(key.encode(), digest_size=4).digest()) >> 1 or 1


class AnswerStream:
    def __init__(
        self,
        services: TelegramServices,
        chat_id: int,
        *,
        key: str,
        lang: str,
        private: bool,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.services = services
        self.outbox = services.outbox
        self.settings = services.settings
        self.chat_id = chat_id
        self.key = key
        self.lang = lang
        self.use_drafts = private and services.drafts.usable
        self.cards: tuple[ProductCard, ...] = ()
        self._clock = clock
        self._sentences: list[str] = []
        self._citations: list[Citation] = []
        self._changed = asyncio.Event()
        self._finished = asyncio.Event()
        self._message_id: int | None = None
        self._pump: asyncio.Task[None] | None = None

    async def run(self, events: AsyncIterator[AnswerEvent], on_answer: FinishHook) -> Answer | None:
        """Show the turn; the final Answer, or None when the turn failed (an apology is sent)."""
        typing = TypingKeeper(self.outbox, self.chat_id, self.settings.telegram_typing_interval_s)
        try:
            answer = await self._consume(events, typing)
            if answer is None:
                chunks, keyboard = self._chunks(text("apology", self.lang), ()), None
            else:
                keyboard = await on_answer(answer)
                body = answer.text or join_sentences(self._sentences)
                chunks = self._chunks(body, answer.citations or tuple(self._citations))
            revised = self._revise_first(chunks, keyboard)
            await self._stop_pump()
            await self._finish(chunks, keyboard, first_sent=revised)
            if answer is not None:
                await self._send_cards(answer.cards or self.cards, answer.lang or self.lang)
            return answer
        except DeliveryError as exc:
            log.warning("answer in chat %s not fully delivered: %s", self.chat_id, exc)
            return None
        finally:
            await self._stop_pump()
            await typing.stop()

    async def _consume(
        self, events: AsyncIterator[AnswerEvent], typing: TypingKeeper
    ) -> Answer | None:
        try:
            async with asyncio.timeout(self.settings.telegram_turn_timeout_s):
                async for event in events:
                    if isinstance(event, Typing | SentenceOut):
                        # an answer is being made (a silent turn, staff owning the
                        # conversation, shows no "typing…")
                        typing.start()
                    if isinstance(event, SentenceOut):
                        self._add(event)
                    elif isinstance(event, CardsOut):
                        self.cards = event.cards
                    elif isinstance(event, Answer):
                        return event
        except Exception:  # the shopper gets an apology whatever went wrong
            log.exception("dialogue turn %s failed", self.key)
        finally:
            aclose = getattr(events, "aclose", None)
            if aclose is not None:
                with contextlib.suppress(Exception):
                    await aclose()
        return None

    # ---- streaming ---------------------------------------------------------------

    def _add(self, sentence: SentenceOut) -> None:
        self._sentences.append(sentence.text)
        self._citations.extend(sentence.citations)
        self._changed.set()
        if self._pump is None:
            self._pump = asyncio.create_task(self._redraw())

    def _preview(self) -> str:
        room = MESSAGE_LIMIT - len(_IN_PROGRESS)
        return clip(join_sentences(self._sentences), room) + _IN_PROGRESS

    async def _redraw(self) -> None:
        """Show the newest text, at most once per edit interval, until the answer ends."""
        interval = self.settings.telegram_edit_interval_s
        last = float("-inf")
        while True:
            await self._changed.wait()
            if self._finished.is_set():
                return
            wait = last + interval - self._clock()
            if wait > 0:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._finished.wait(), wait)
                if self._finished.is_set():
                    return
            self._changed.clear()
            try:
                await self._show(self._preview())
            except DeliveryError as exc:
                log.info("streaming to chat %s stopped: %s", self.chat_id, exc)
                return
            last = self._clock()

    async def _show(self, preview: str) -> None:
        if self.use_drafts:
            draft = SendMessageDraft(
                chat_id=self.chat_id, draft_id=draft_id_for(self.key), text=preview
            )
            if await self.outbox.attempt(draft):
                return
            log.info("the Bot API server refused sendMessageDraft: editing messages instead")
            self.services.drafts.refused = True
            self.use_drafts = False
        if self._message_id is None:
            sent = await self.outbox.send(
                self.chat_id, SendMessage(chat_id=self.chat_id, text=preview), key=f"{self.key}:0"
            )
            self._message_id = sent.message_id if isinstance(sent, Message) else None
            if sent is None:  # delivered before: this turn was already answered
                self._finished.set()
        else:
            edit = EditMessageText(chat_id=self.chat_id, message_id=self._message_id, text=preview)
            await self.outbox.send(self.chat_id, edit)

    async def _stop_pump(self) -> None:
        self._finished.set()
        self._changed.set()
        if self._pump is not None:
            await self._pump

    # ---- the final answer ----------------------------------------------------------

    def _chunks(self, body: str, citations: tuple[Citation, ...]) -> list[str]:
        """The final text, its sources appended, cut into messages."""
        if self.settings.telegram_show_sources and body:
            sources = sources_line(citations, self.lang)
            body = f"{body}\n\n{sources}" if sources else body
        return split_message(body)

    def _revise_first(self, chunks: list[str], keyboard: InlineKeyboardMarkup | None) -> bool:
        """If the first streamed message is still queued, make it the final one instead."""
        if not chunks or self.use_drafts or self._message_id is not None:
            return False
        markup = keyboard if len(chunks) == 1 else None
        final = SendMessage(chat_id=self.chat_id, text=chunks[0], reply_markup=markup)
        return self.outbox.revise(f"{self.key}:0", final)

    async def _finish(
        self, chunks: list[str], keyboard: InlineKeyboardMarkup | None, *, first_sent: bool
    ) -> None:
        for index, chunk in enumerate(chunks):
            markup = keyboard if index == len(chunks) - 1 else None
            if index == 0 and first_sent:
                continue
            if index == 0 and self._message_id is not None:
                edit = EditMessageText(
                    chat_id=self.chat_id,
                    message_id=self._message_id,
                    text=chunk,
                    reply_markup=markup,
                )
                await self.outbox.send(self.chat_id, edit, key=f"{self.key}:0:final")
                continue
            send = SendMessage(chat_id=self.chat_id, text=chunk, reply_markup=markup)
            await self.outbox.send(self.chat_id, send, key=f"{self.key}:{index}")

    async def _send_cards(self, cards: tuple[ProductCard, ...], lang: str) -> None:
        public_url = self.settings.public_url
        for index, card in enumerate(cards):
            caption = card_caption(card, lang)
            keyboard = card_keyboard(card, lang, public_url)
            key = f"{self.key}:card:{index}"
            photo = photo_url(card, public_url)
            if photo is not None:
                method = SendPhoto(
                    chat_id=self.chat_id, photo=photo, caption=caption, reply_markup=keyboard
                )
                try:
                    await self.outbox.send(self.chat_id, method, key=key)
                    continue
                except DeliveryError as exc:
                    if not exc.permanent:
                        raise
                    # Telegram could not fetch the picture: the card goes out as text.
                    log.info("photo for %s refused (%s); sending text", card.sku, exc)
            text_card = SendMessage(chat_id=self.chat_id, text=caption, reply_markup=keyboard)
            await self.outbox.send(self.chat_id, text_card, key=f"{key}:text")
