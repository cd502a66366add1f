"""Free text: everything that is not a command goes to the dialogue manager."""

from __future__ import annotations

from aiogram import Bot, F, Router
from aiogram.types import Message

from bot.telegram.chat_state import ChatMemory, ChatPrefs
from bot.telegram.groups import addressed_text
from bot.telegram.handlers.common import message_key, say
from bot.telegram.services import TelegramServices
from bot.telegram.texts import text
from bot.telegram.turns import answer_turn


async def on_text(
    message: Message, bot: Bot, services: TelegramServices, prefs: ChatPrefs, memory: ChatMemory
) -> None:
    body: str | None = message.text or ""
    if not prefs.private:
        body = await addressed_text(message, bot)
    if not body:
        return
    await answer_turn(services, prefs, memory, text=body, key=message_key(message))


async def not_understood(message: Message, services: TelegramServices, prefs: ChatPrefs) -> None:
    """Unknown commands get the help; pictures, stickers and voice a request for text."""
    key = message_key(message) + ":0"
    body = text("help" if message.text else "text_only", prefs.lang)
    await say(services, prefs.chat_id, body, key=key)


def chat_router() -> Router:
    router = Router(name="chat")
    router.message.register(on_text, F.text, ~F.text.startswith("/"))
    # in groups, other bots' commands and everyone's pictures are none of our business
    router.message.register(not_understood, F.chat.type == "private")
    return router
