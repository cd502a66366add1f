"""Linking a Telegram account to the shop's customer: order id + email, confirmed once.

/link (or the button under an order answer) asks for an order number, then the
email on that order, then a yes/no. The order desk links only when the two match;
a mismatch gets one reply whatever the reason, and failures per chat and hour are
capped, so the flow cannot be used to probe other customers' orders.
"""

from __future__ import annotations

import logging
import re

from aiogram import F, Router
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message

from bot.telegram.callbacks import LinkCB
from bot.telegram.chat_state import ChatMemory, ChatPrefs
from bot.telegram.handlers.common import acknowledge, callback_key, message_key, say
from bot.telegram.render import confirm_link_keyboard
from bot.telegram.services import TelegramServices
from bot.telegram.texts import text

log = logging.getLogger(__name__)
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class LinkFlow(StatesGroup):
    order_id = State()
    email = State()
    confirm = State()


async def begin_link(
    services: TelegramServices, prefs: ChatPrefs, memory: ChatMemory, state: FSMContext, key: str
) -> None:
    if not prefs.private:
        await say(services, prefs.chat_id, text("link_private_only", prefs.lang), key=key)
        return
    if await services.customer_for(prefs.user_id) is not None:
        await say(services, prefs.chat_id, text("already_linked", prefs.lang), key=key)
        return
    limit = services.settings.telegram_link_attempts_per_hour
    if services.orders is None or await memory.failed_links() >= limit:
        await say(services, prefs.chat_id, text("link_throttled", prefs.lang), key=key)
        return
    await state.set_state(LinkFlow.order_id)
    await memory.set_link_draft(order_id="", email="")
    await say(services, prefs.chat_id, text("link_ask_order", prefs.lang), key=key)


async def link_command(
    message: Message,
    services: TelegramServices,
    prefs: ChatPrefs,
    memory: ChatMemory,
    state: FSMContext,
) -> None:
    await begin_link(services, prefs, memory, state, message_key(message) + ":0")


async def link_button(
    query: CallbackQuery,
    services: TelegramServices,
    prefs: ChatPrefs,
    memory: ChatMemory,
    state: FSMContext,
) -> None:
    await acknowledge(services, query)
    await begin_link(services, prefs, memory, state, callback_key(query) + ":0")


async def got_order_id(
    message: Message,
    services: TelegramServices,
    prefs: ChatPrefs,
    memory: ChatMemory,
    state: FSMContext,
) -> None:
    await memory.set_link_draft(order_id=(message.text or "").strip()[:128])
    await state.set_state(LinkFlow.email)
    await say(
        services, prefs.chat_id, text("link_ask_email", prefs.lang), key=message_key(message) + ":0"
    )


async def got_email(
    message: Message,
    services: TelegramServices,
    prefs: ChatPrefs,
    memory: ChatMemory,
    state: FSMContext,
) -> None:
    email = (message.text or "").strip()
    key = message_key(message) + ":0"
    if not _EMAIL.match(email) or len(email) > 254:
        await say(services, prefs.chat_id, text("link_bad_email", prefs.lang), key=key)
        return
    await memory.set_link_draft(email=email)
    await state.set_state(LinkFlow.confirm)
    draft = await memory.link_draft()
    body = text("link_confirm", prefs.lang, order_id=draft.get("order_id", ""), email=email)
    await say(services, prefs.chat_id, body, key=key, markup=confirm_link_keyboard(prefs.lang))


async def confirm(
    query: CallbackQuery,
    callback_data: LinkCB,
    services: TelegramServices,
    prefs: ChatPrefs,
    memory: ChatMemory,
    state: FSMContext,
) -> None:
    await acknowledge(services, query)
    key = callback_key(query) + ":0"
    draft = await memory.link_draft()
    await state.set_state(None)
    await memory.set_link_draft(order_id="", email="")
    if callback_data.step == "no":
        await say(services, prefs.chat_id, text("link_cancelled", prefs.lang), key=key)
        return
    try:
        customer = await services.link(
            draft.get("order_id", ""), draft.get("email", ""), prefs.user_id
        )
    except Exception:  # e.g. this Telegram account is already linked to someone else
        log.exception("linking telegram user %s failed", prefs.user_id)
        customer = None
    if customer is None:
        await memory.note_failed_link()
        await say(services, prefs.chat_id, text("link_failed", prefs.lang), key=key)
        return
    await say(services, prefs.chat_id, text("link_done", prefs.lang), key=key)


async def remind_confirm(message: Message, services: TelegramServices, prefs: ChatPrefs) -> None:
    await say(
        services,
        prefs.chat_id,
        text("link_confirm_pending", prefs.lang),
        key=message_key(message) + ":0",
    )


async def cancel(
    message: Message, services: TelegramServices, prefs: ChatPrefs, state: FSMContext
) -> None:
    await state.set_state(None)
    await say(
        services, prefs.chat_id, text("link_cancelled", prefs.lang), key=message_key(message) + ":0"
    )


async def stale_confirm(query: CallbackQuery, services: TelegramServices, prefs: ChatPrefs) -> None:
    await acknowledge(services, query, text("expired", prefs.lang))


def link_router() -> Router:
    router = Router(name="link")
    router.message.register(link_command, Command("link"))
    router.message.register(cancel, Command("cancel"))
    router.callback_query.register(link_button, LinkCB.filter(F.step == "start"))
    router.callback_query.register(
        confirm, LinkCB.filter(F.step.in_({"yes", "no"})), StateFilter(LinkFlow.confirm)
    )
    router.callback_query.register(stale_confirm, LinkCB.filter())
    text_only = (F.text, ~F.text.startswith("/"))
    router.message.register(got_order_id, StateFilter(LinkFlow.order_id), *text_only)
    router.message.register(got_email, StateFilter(LinkFlow.email), *text_only)
    router.message.register(remind_confirm, StateFilter(LinkFlow.confirm), *text_only)
    return router
