"""Messages from support staff, delivered through the same outbox as the bot's answers.

They are marked as coming from a person ("👤 Wang (staff): ...") so the shopper
never mistakes them for the assistant, and the reverse.
"""

from __future__ import annotations

from aiogram.methods import SendMessage
from aiogram.types import Message

from bot.telegram.outbox import Outbox
from bot.telegram.render import split_message
from bot.telegram.texts import text


def staff_text(staff_name: str, body: str, lang: str) -> str:
    separator = "：" if lang == "zh" else ": "
    return f"👤 {text('staff_label', lang, name=staff_name)}{separator}{body.strip()}"


async def deliver_staff_message(
    outbox: Outbox, chat_id: int, staff_name: str, body: str, *, lang: str, key: str
) -> list[Message]:
    """Send a staff reply to `chat_id`; `key` (e.g. the console's message id) makes it once-only."""
    sent: list[Message] = []
    for index, chunk in enumerate(split_message(staff_text(staff_name, body, lang))):
        message = await outbox.send(
            chat_id, SendMessage(chat_id=chat_id, text=chunk), key=f"staff:{key}:{index}"
        )
        if isinstance(message, Message):
            sent.append(message)
    return sent
