"""The aiogram Dispatcher: routers, middlewares, FSM storage, per-chat ordering."""

from __future__ import annotations

from aiogram import Dispatcher
from aiogram.fsm.storage.base import BaseStorage, DefaultKeyBuilder
from aiogram.fsm.storage.memory import MemoryStorage, SimpleEventIsolation
from aiogram.fsm.storage.redis import RedisStorage
from aiogram.fsm.strategy import FSMStrategy

from bot.telegram.chat_state import ChatPrefsMiddleware
from bot.telegram.handlers import buttons_router, chat_router, commands_router, link_router
from bot.telegram.services import TelegramServices
from bot.telegram.settings import TelegramSettings


def make_storage(settings: TelegramSettings, prefix: str | None = None) -> BaseStorage:
    """Redis when KEFU_REDIS_URL is set (state survives restarts), memory otherwise."""
    if settings.redis_url:
        builder = DefaultKeyBuilder(prefix=prefix or settings.telegram_redis_prefix)
        return RedisStorage.from_url(settings.redis_url, key_builder=builder)
    return MemoryStorage()


def build_dispatcher(services: TelegramServices, storage: BaseStorage | None = None) -> Dispatcher:
    """A dispatcher whose handlers receive `services` as workflow data.

    State is per chat (FSMStrategy.CHAT): in a group the language and the
    conversation are the group's. The event isolation lock is per chat too and
    is taken before anything awaits, so one chat's updates are handled one at a
    time and in the order they arrived, while different chats run concurrently.
    """
    dispatcher = Dispatcher(
        storage=storage or MemoryStorage(),
        events_isolation=SimpleEventIsolation(),
        fsm_strategy=FSMStrategy.CHAT,
        services=services,
    )
    dispatcher.update.outer_middleware(services.in_flight)
    prefs = ChatPrefsMiddleware()
    dispatcher.message.middleware(prefs)
    dispatcher.callback_query.middleware(prefs)
    # Commands first (they work in the middle of the link flow), then the link
    # flow's states, then buttons, then free text.
    dispatcher.include_routers(commands_router(), link_router(), buttons_router(), chat_router())
    return dispatcher
