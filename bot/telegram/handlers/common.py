"""Small helpers shared by the handlers: message keys and plain replies."""

from __future__ import annotations

from aiogram.methods import AnswerCallbackQuery, SendMessage
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message

from bot.telegram.services import TelegramServices


def message_key(message: Message) -> str:
    """The key of a shopper's message: Telegram redelivering it gives the same key."""
    return f"tg:{message.chat.id}:{message.message_id}"


def callback_key(query: CallbackQuery) -> str:
    return f"tgcb:{query.id}"


async def say(
    services: TelegramServices,
    chat_id: int,
    body: str,
    *,
    key: str,
    markup: InlineKeyboardMarkup | None = None,
) -> None:
    """Send one fixed reply through the outbox."""
    await services.outbox.send(
        chat_id, SendMessage(chat_id=chat_id, text=body, reply_markup=markup), key=key
    )


async def acknowledge(services: TelegramServices, query: CallbackQuery, note: str = "") -> None:
    """Stop the button's spinner (best effort: an old query may be refused)."""
    await services.outbox.attempt(
        AnswerCallbackQuery(callback_query_id=query.id, text=note or None)
    )
