"""One shopper turn through the dialogue manager, from any handler (text, buttons, /human)."""

from __future__ import annotations

from aiogram.types import InlineKeyboardMarkup

from bot.telegram.chat_state import ChatMemory, ChatPrefs
from bot.telegram.render import answer_keyboard
from bot.telegram.reply import AnswerStream
from bot.telegram.services import TelegramServices
from dialogue.types import Answer, UserTurn

# The intents whose answer needs the shopper's orders: dialogue.understand.intents.ORDER_INTENTS
# (copied, as importing that package loads the intent classifier and scikit-learn).
ORDER_INTENTS = frozenset(
    {"cancel_order", "change_order", "track_order", "delivery_period", "get_refund",
     "track_refund", "change_shipping_address", "check_invoice", "get_invoice"}
)  # fmt: skip


async def answer_turn(
    services: TelegramServices,
    prefs: ChatPrefs,
    memory: ChatMemory,
    *,
    text: str,
    key: str,
    page_sku: str | None = None,
) -> Answer | None:
    """Hand `text` to the dialogue manager and show its answer in the chat.

    `key` identifies the shopper's message ("tg:<chat>:<message>"): the dialogue
    manager and the outbox both treat a repeated key as the same message.
    """
    customer_id = await services.customer_for(prefs.user_id)
    turn = UserTurn(
        conversation_id=prefs.conversation_id,
        channel="telegram",
        text=text,
        message_id=key,
        locale=prefs.lang if prefs.chosen else "",
        page_sku=page_sku,
        customer_id=customer_id,
        telegram_id=prefs.user_id,
    )
    stream = AnswerStream(services, prefs.chat_id, key=key, lang=prefs.lang, private=prefs.private)

    async def buttons(answer: Answer) -> InlineKeyboardMarkup | None:
        if not answer.text and not answer.cards:
            return None  # a person owns the conversation: the bot stays silent
        ref = await memory.remember_turn(answer, turn.conversation_id)
        await memory.remember_skus(answer.cards or stream.cards)
        offer_link = (
            prefs.private
            and customer_id is None
            and services.orders is not None
            and answer.intent in ORDER_INTENTS
        )
        lang = answer.lang or prefs.lang
        return answer_keyboard(ref, answer.actions, lang, offer_link=offer_link)

    return await stream.run(services.manager.handle(turn), buttons)
