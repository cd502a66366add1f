"""Telegram channel: aiogram 3 dispatcher, flood-controlled outbox, webhook or long polling.

The rest of kefu talks to Telegram only through this package; aiogram is not
imported anywhere else.
"""

from bot.telegram.gateway import TelegramGateway, build_telegram, create_bot, start_telegram
from bot.telegram.settings import TelegramSettings
from bot.telegram.webhook import mount_webhook

__all__ = [
    "TelegramGateway",
    "TelegramSettings",
    "build_telegram",
    "create_bot",
    "mount_webhook",
    "start_telegram",
]
