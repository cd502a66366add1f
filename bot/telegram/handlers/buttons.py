"""Buttons under answers and cards: thumbs, CSAT, details, more like this, actions."""

from __future__ import annotations

from aiogram import Router
from aiogram.fsm.context import FSMContext
from aiogram.methods import EditMessageReplyMarkup
from aiogram.types import CallbackQuery, Message

from bot.telegram.callbacks import ActionCB, CardCB, CsatCB, FeedbackCB
from bot.telegram.chat_state import ChatMemory, ChatPrefs, conversation_id
from bot.telegram.handlers.common import acknowledge, callback_key, say
from bot.telegram.handlers.link import begin_link
from bot.telegram.services import TelegramServices
from bot.telegram.texts import text
from bot.telegram.turns import answer_turn
from dialogue.types import Feedback


async def thumbs(
    query: CallbackQuery,
    callback_data: FeedbackCB,
    services: TelegramServices,
    prefs: ChatPrefs,
    memory: ChatMemory,
) -> None:
    turn = await memory.recall_turn(callback_data.ref)
    if turn is None:
        await acknowledge(services, query, text("expired", prefs.lang))
        return
    await services.record_feedback(
        Feedback(
            conversation_id=turn.conversation_id,
            turn_id=turn.turn_id,
            thumbs="up" if callback_data.thumbs == "u" else "down",
            extra={"channel": "telegram"},
        )
    )
    await acknowledge(services, query, text("thanks", prefs.lang))


async def csat(
    query: CallbackQuery, callback_data: CsatCB, services: TelegramServices, prefs: ChatPrefs
) -> None:
    if not 1 <= callback_data.score <= 5:
        await acknowledge(services, query)
        return
    await services.record_feedback(
        Feedback(
            conversation_id=conversation_id(prefs.chat_id, callback_data.epoch),
            csat=callback_data.score,
            extra={"channel": "telegram"},
        )
    )
    await acknowledge(services, query, text("thanks", prefs.lang))
    # One rating per conversation: the stars go away once one is tapped.
    if isinstance(query.message, Message):
        await services.outbox.send(
            prefs.chat_id,
            EditMessageReplyMarkup(
                chat_id=prefs.chat_id, message_id=query.message.message_id, reply_markup=None
            ),
        )


async def card_button(
    query: CallbackQuery,
    callback_data: CardCB,
    services: TelegramServices,
    prefs: ChatPrefs,
    memory: ChatMemory,
) -> None:
    sku = await memory.sku(callback_data.sku)
    if sku is None:
        await acknowledge(services, query, text("expired", prefs.lang))
        return
    await acknowledge(services, query)
    request = "details_request" if callback_data.action == "d" else "similar_request"
    await answer_turn(
        services,
        prefs,
        memory,
        text=text(request, prefs.lang),
        key=callback_key(query),
        page_sku=sku,
    )


async def action_button(
    query: CallbackQuery,
    callback_data: ActionCB,
    services: TelegramServices,
    prefs: ChatPrefs,
    memory: ChatMemory,
    state: FSMContext,
) -> None:
    turn = await memory.recall_turn(callback_data.ref)
    if turn is None or not 0 <= callback_data.index < len(turn.actions):
        await acknowledge(services, query, text("expired", prefs.lang))
        return
    await acknowledge(services, query)
    action = turn.actions[callback_data.index]
    key = callback_key(query)
    match action.kind:
        case "human":
            body, sku = text("human_request", prefs.lang), None
        case "details":
            body, sku = text("details_request", prefs.lang), action.payload or None
        case "more_like_this":
            body, sku = text("similar_request", prefs.lang), action.payload or None
        case "track_order":
            if await services.customer_for(prefs.user_id) is None and services.orders is not None:
                await begin_link(services, prefs, memory, state, key + ":0")
                return
            body, sku = action.payload or text("order_request", prefs.lang), None
        case _:
            body, sku = action.payload or action.label, None
    if not body:
        await say(services, prefs.chat_id, text("expired", prefs.lang), key=key + ":0")
        return
    await answer_turn(services, prefs, memory, text=body, key=key, page_sku=sku)


def buttons_router() -> Router:
    router = Router(name="buttons")
    router.callback_query.register(thumbs, FeedbackCB.filter())
    router.callback_query.register(csat, CsatCB.filter())
    router.callback_query.register(card_button, CardCB.filter())
    router.callback_query.register(action_button, ActionCB.filter())
    return router
