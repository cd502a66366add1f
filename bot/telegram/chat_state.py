"""What the bot remembers about a chat, kept in aiogram's FSM storage (memory or Redis).

FSM data of a chat: {"lang", "epoch", "turns", "skus", "link", "link_fails", "turn_count"}.
`epoch` numbers the chat's conversations: /reset starts the next one, so the
dialogue manager sees a fresh conversation while the old transcript stays whole.
Updates of one chat are handled one at a time (the dispatcher's event isolation),
so read-modify-write of this data does not race.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from aiogram import BaseMiddleware
from aiogram.fsm.context import FSMContext
from aiogram.types import Chat, TelegramObject, User

from bot.telegram.callbacks import sku_token, turn_ref
from bot.telegram.texts import LANGS, lang_of
from dialogue.types import Answer, ProductCard, SuggestedAction

_TURNS_KEPT = 30
_SKUS_KEPT = 200


def conversation_id(chat_id: int, epoch: int = 0) -> str:
    return f"tg:{chat_id}" if epoch == 0 else f"tg:{chat_id}:{epoch}"


def chat_of_conversation(conversation: str) -> int | None:
    """The Telegram chat id of a "tg:<chat>[:<epoch>]" conversation, else None."""
    parts = conversation.split(":")
    if len(parts) not in (2, 3) or parts[0] != "tg":
        return None
    try:
        return int(parts[1])
    except ValueError:
        return None


@dataclass(frozen=True)
class ChatPrefs:
    chat_id: int
    user_id: int
    lang: str  # chosen with /start or /lang, else from the Telegram client's language
    chosen: bool
    epoch: int
    private: bool

    @property
    def conversation_id(self) -> str:
        return conversation_id(self.chat_id, self.epoch)


@dataclass(frozen=True)
class RememberedTurn:
    turn_id: str
    conversation_id: str
    actions: tuple[SuggestedAction, ...]


class ChatMemory:
    """Typed access to one chat's FSM data."""

    def __init__(self, state: FSMContext) -> None:
        self.state = state

    async def set_lang(self, lang: str) -> None:
        await self.state.update_data(lang=lang if lang in LANGS else "en")

    async def new_conversation(self) -> tuple[int, bool]:
        """Start the next conversation; the previous epoch and whether it had turns."""
        data = await self.state.get_data()
        epoch = int(data.get("epoch", 0))
        had_turns = int(data.get("turn_count", 0)) > 0
        await self.state.set_state(None)
        await self.state.update_data(epoch=epoch + 1, turn_count=0, turns={}, skus={}, link={})
        return epoch, had_turns

    async def remember_turn(self, answer: Answer, conversation: str) -> str:
        """Keep the turn's id and actions for its buttons; returns the turn reference."""
        data = await self.state.get_data()
        turns: dict[str, Any] = dict(data.get("turns", {}))
        ref = turn_ref(answer.turn_id)
        turns.pop(ref, None)
        turns[ref] = [
            answer.turn_id,
            conversation,
            [[a.kind, a.label, a.payload] for a in answer.actions],
        ]
        while len(turns) > _TURNS_KEPT:
            turns.pop(next(iter(turns)))
        await self.state.update_data(turns=turns, turn_count=int(data.get("turn_count", 0)) + 1)
        return ref

    async def recall_turn(self, ref: str) -> RememberedTurn | None:
        entry = (await self.state.get_data()).get("turns", {}).get(ref)
        if entry is None:
            return None
        turn_id, conversation, actions = entry
        return RememberedTurn(
            turn_id, conversation, tuple(SuggestedAction(k, lbl, p) for k, lbl, p in actions)
        )

    async def remember_skus(self, cards: tuple[ProductCard, ...]) -> None:
        """Map the hashed tokens of long SKUs on buttons back to the SKUs."""
        long_ones = {sku_token(c.sku): c.sku for c in cards if sku_token(c.sku) != c.sku}
        if not long_ones:
            return
        skus: dict[str, str] = dict((await self.state.get_data()).get("skus", {}))
        skus.update(long_ones)
        while len(skus) > _SKUS_KEPT:
            skus.pop(next(iter(skus)))
        await self.state.update_data(skus=skus)

    async def sku(self, token: str) -> str | None:
        if not token.startswith("~"):
            return token
        found = (await self.state.get_data()).get("skus", {}).get(token)
        return str(found) if found is not None else None

    async def link_draft(self) -> dict[str, str]:
        return dict((await self.state.get_data()).get("link", {}))

    async def set_link_draft(self, **fields: str) -> None:
        draft = await self.link_draft()
        draft.update(fields)
        await self.state.update_data(link=draft)

    async def _recent_fails(self, window_s: float) -> list[float]:
        since = time.time() - window_s
        return [t for t in (await self.state.get_data()).get("link_fails", []) if t > since]

    async def failed_links(self, window_s: float = 3600.0) -> int:
        return len(await self._recent_fails(window_s))

    async def note_failed_link(self, window_s: float = 3600.0) -> None:
        fails = await self._recent_fails(window_s)
        await self.state.update_data(link_fails=[*fails, time.time()])


class ChatPrefsMiddleware(BaseMiddleware):
    """Gives handlers `prefs` (language, conversation) and `memory` for the event's chat."""

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        state: FSMContext | None = data.get("state")
        chat: Chat | None = data.get("event_chat")
        user: User | None = data.get("event_from_user")
        if state is None or chat is None or user is None:
            return await handler(event, data)
        stored = await state.get_data()
        chosen = stored.get("lang") in LANGS
        data["prefs"] = ChatPrefs(
            chat_id=chat.id,
            user_id=user.id,
            lang=str(stored["lang"]) if chosen else lang_of(user.language_code),
            chosen=chosen,
            epoch=int(stored.get("epoch", 0)),
            private=chat.type == "private",
        )
        data["memory"] = ChatMemory(state)
        return await handler(event, data)
