"""In groups the bot speaks only when spoken to: mentioned by @username, or replied to."""

from __future__ import annotations

import re

from aiogram import Bot
from aiogram.types import Message


async def addressed_text(message: Message, bot: Bot) -> str | None:
    """The message text without the bot's mention if it is addressed to the bot, else None."""
    body = message.text or ""
    me = await bot.me()
    replied = message.reply_to_message
    if replied is not None and replied.from_user is not None and replied.from_user.id == me.id:
        return body
    if not me.username:
        return None
    mention = f"@{me.username}"
    by_entity = any(
        entity.type == "mention" and entity.extract_from(body).lower() == mention.lower()
        for entity in message.entities or []
    )
    # Entities are Telegram's word; the plain-text match covers clients that send none.
    found = re.search(rf"(?<![\w@]){re.escape(mention)}(?!\w)", body, re.IGNORECASE)
    if found is None or not (by_entity or not message.entities):
        return None
    return (body[: found.start()] + body[found.end() :]).strip()
