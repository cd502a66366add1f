"""The bot's routers. Each factory returns a new Router, so several dispatchers can coexist."""

from bot.telegram.handlers.buttons import buttons_router
from bot.telegram.handlers.chat import chat_router
from bot.telegram.handlers.commands import commands_router
from bot.telegram.handlers.link import link_router

__all__ = ["buttons_router", "chat_router", "commands_router", "link_router"]
