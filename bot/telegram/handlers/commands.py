"""/start, /help, /lang, /reset, /human and the language buttons."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command, CommandStart
from aiogram.types import CallbackQuery, Message

from bot.telegram.callbacks import LangCB
from bot.telegram.chat_state import ChatMemory, ChatPrefs
from bot.telegram.handlers.common import acknowledge, callback_key, message_key, say
from bot.telegram.render import csat_keyboard, language_keyboard
from bot.telegram.services import TelegramServices
from bot.telegram.texts import text
from bot.telegram.turns import answer_turn


async def start(message: Message, services: TelegramServices, prefs: ChatPrefs) -> None:
    """Who is talking (an AI), what happens to the messages, and which language."""
    lang = prefs.lang
    body = "\n\n".join((text("welcome", lang), text("privacy", lang), text("choose_lang", lang)))
    await say(
        services, prefs.chat_id, body, key=message_key(message) + ":0", markup=language_keyboard()
    )


async def choose_lang(
    query: CallbackQuery,
    callback_data: LangCB,
    services: TelegramServices,
    prefs: ChatPrefs,
    memory: ChatMemory,
) -> None:
    await memory.set_lang(callback_data.lang)
    await acknowledge(services, query)
    await say(
        services,
        prefs.chat_id,
        text("lang_set", callback_data.lang),
        key=callback_key(query) + ":0",
    )


async def show_help(message: Message, services: TelegramServices, prefs: ChatPrefs) -> None:
    await say(services, prefs.chat_id, text("help", prefs.lang), key=message_key(message) + ":0")


async def ask_lang(message: Message, services: TelegramServices, prefs: ChatPrefs) -> None:
    await say(
        services,
        prefs.chat_id,
        text("choose_lang", prefs.lang),
        key=message_key(message) + ":0",
        markup=language_keyboard(),
    )


async def reset(
    message: Message, services: TelegramServices, prefs: ChatPrefs, memory: ChatMemory
) -> None:
    """A new conversation; the shopper may rate the one that ended."""
    previous, had_turns = await memory.new_conversation()
    key = message_key(message) + ":0"
    if had_turns:
        await say(
            services,
            prefs.chat_id,
            text("reset", prefs.lang),
            key=key,
            markup=csat_keyboard(previous),
        )
    else:
        await say(services, prefs.chat_id, text("reset_empty", prefs.lang), key=key)


async def human(
    message: Message, services: TelegramServices, prefs: ChatPrefs, memory: ChatMemory
) -> None:
    """Asking for a person goes through the dialogue manager, which owns the handoff."""
    await answer_turn(
        services, prefs, memory, text=text("human_request", prefs.lang), key=message_key(message)
    )


def commands_router() -> Router:
    router = Router(name="commands")
    router.message.register(start, CommandStart())
    router.message.register(show_help, Command("help"))
    router.message.register(ask_lang, Command("lang", "language"))
    router.message.register(reset, Command("reset"))
    router.message.register(human, Command("human"))
    router.callback_query.register(choose_lang, LangCB.filter(F.lang.in_({"zh", "en"})))
    return router
