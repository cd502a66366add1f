"""The Telegram gateway as one object: bot, dispatcher, outbox; polling or webhook.

    gateway = build_telegram(manager, orders=OrderDesk(engine), feedback=store.add)
    gateway.mount(web_app)        # webhook mode only: before the app serves
    await gateway.start()         # long polling task, or setWebhook
    await gateway.send_staff("tg:42", "Wang", "I've refunded it.", message_id="c-17")
    await gateway.stop()          # drains the outbox

`start_telegram` does the three first steps, and nothing when no token is set.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets

from aiogram import Bot, Dispatcher
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import AiogramError
from aiogram.fsm.storage.base import BaseStorage, StorageKey
from aiogram.methods import SetMyCommands
from aiogram.types import BotCommand
from aiogram.utils.token import TokenValidationError
from redis.asyncio import Redis
from starlette.applications import Starlette

from bot.telegram.chat_state import chat_of_conversation
from bot.telegram.delivered import DeliveredKeys, RedisDeliveredKeys
from bot.telegram.dispatcher import build_dispatcher, make_storage
from bot.telegram.errors import SettingsError, TelegramGatewayError
from bot.telegram.leader import Leadership, RedisLeaderLock
from bot.telegram.outbox import Outbox
from bot.telegram.services import DraftSupport, FeedbackSink, OrderLinks, TelegramServices
from bot.telegram.settings import TelegramSettings
from bot.telegram.staff import deliver_staff_message
from bot.telegram.texts import LANGS
from bot.telegram.warmup import warm_up
from bot.telegram.webhook import WebhookEndpoint, mount_webhook
from dialogue.types import DialogueManager

log = logging.getLogger(__name__)

_COMMANDS = {
    "en": [
        ("start", "Welcome and language"),
        ("help", "What I can do"),
        ("human", "Talk to a person"),
        ("link", "Link your orders"),
        ("lang", "Change language"),
        ("reset", "Start a new conversation"),
    ],
    "zh": [
        ("start", "欢迎与语言选择"),
        ("help", "使用帮助"),
        ("human", "转人工客服"),
        ("link", "关联订单"),
        ("lang", "切换语言"),
        ("reset", "开始新的对话"),
    ],
}


def create_bot(settings: TelegramSettings) -> Bot:
    """A Bot for the token, talking to KEFU_TELEGRAM_API_URL when one is set."""
    token = settings.telegram_token.get_secret_value()
    if not token:
        raise SettingsError("KEFU_TELEGRAM_TOKEN is not set")
    session = None
    if settings.telegram_api_url:
        session = AiohttpSession(api=TelegramAPIServer.from_base(settings.telegram_api_url))
    try:
        return Bot(token, session=session)
    except TokenValidationError as exc:
        raise SettingsError(f"KEFU_TELEGRAM_TOKEN is not a bot token: {exc}") from exc


class TelegramGateway:
    def __init__(
        self, bot: Bot, dispatcher: Dispatcher, services: TelegramServices, *, webhook_secret: str
    ) -> None:
        self.bot = bot
        self.dispatcher = dispatcher
        self.services = services
        self.webhook_secret = webhook_secret
        self.webhook: WebhookEndpoint | None = None
        self._polling: asyncio.Task[None] | None = None
        # With Redis: only the replica holding the lock receives updates.
        self.leadership: Leadership | None = None

    @property
    def settings(self) -> TelegramSettings:
        return self.services.settings

    @property
    def outbox(self) -> Outbox:
        return self.services.outbox

    def mount(self, app: Starlette) -> WebhookEndpoint:
        """Add the webhook route to the web app (webhook mode)."""
        self.webhook = mount_webhook(
            app, self.dispatcher, self.bot, self.webhook_secret, self.settings.webhook_path
        )
        return self.webhook

    def elect_receiver(self, lock: RedisLeaderLock) -> Leadership:
        """Receive updates only while holding `lock` (several replicas of one bot)."""
        self.leadership = Leadership(
            lock,
            on_elected=self._receive,
            on_deposed=self._stop_polling,
            renew_s=self.settings.telegram_leader_renew_s,
            retry_s=self.settings.telegram_leader_renew_s,
        )
        return self.leadership

    async def start(self) -> None:
        """Begin receiving updates: setWebhook in webhook mode, else a long-polling task.

        With a receiver lock, this happens only in the replica that holds it; the others
        deliver staff messages and serve the web app, and wait to take over.
        """
        if self.settings.webhook_mode and self.webhook is None:
            raise SettingsError("webhook mode: mount the gateway on the web app first")
        await asyncio.to_thread(warm_up)
        if self.leadership is not None:
            await self.leadership.start()
        else:
            await self._receive()

    async def _receive(self) -> None:
        await self._set_commands()
        if self.settings.webhook_mode:
            await self.bot.set_webhook(
                self.settings.telegram_webhook_url,
                secret_token=self.webhook_secret,
                allowed_updates=self.dispatcher.resolve_used_update_types(),
            )
            log.info("telegram webhook set to %s", self.settings.telegram_webhook_url)
            return
        await self.bot.delete_webhook()
        self._polling = asyncio.create_task(
            self.dispatcher.start_polling(
                self.bot,
                polling_timeout=self.settings.telegram_polling_timeout_s,
                handle_signals=False,
                close_bot_session=False,
            )
        )
        self._polling.add_done_callback(_polling_ended)
        log.info("telegram long polling started")

    async def _stop_polling(self) -> None:
        if self._polling is not None and not self._polling.done():
            try:
                await self.dispatcher.stop_polling()
            except RuntimeError:  # not started yet
                self._polling.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._polling
        self._polling = None

    async def stop(self) -> None:
        """Stop receiving, let turns in progress finish, deliver what is queued, close."""
        if self.leadership is not None:
            await self.leadership.stop()  # stops polling and hands the lock over
        await self._stop_polling()
        if self.webhook is not None:
            await self.webhook.close()
        if not await self.services.in_flight.wait_idle(self.settings.telegram_turn_timeout_s):
            log.warning("stopping with %d updates still in progress", self.services.in_flight.count)
        await self.outbox.close()
        await self.dispatcher.storage.close()
        await self.bot.session.close()

    async def send_staff(
        self, conversation_id: str, staff_name: str, body: str, *, message_id: str
    ) -> bool:
        """Deliver a staff member's reply into a Telegram conversation; False if not one."""
        chat_id = chat_of_conversation(conversation_id)
        if chat_id is None:
            return False
        lang = await self.chat_lang(chat_id)
        await deliver_staff_message(
            self.outbox, chat_id, staff_name, body, lang=lang, key=message_id
        )
        return True

    async def send_typing(self, conversation_id: str) -> None:
        """Show "typing…" in the chat while a staff member writes (Telegram shows it ~5 s)."""
        chat_id = chat_of_conversation(conversation_id)
        if chat_id is None:
            return
        try:
            await self.bot.send_chat_action(chat_id=chat_id, action="typing")
        except AiogramError as exc:  # a courtesy: the reply itself goes through the outbox
            log.warning("typing indicator to %s failed: %s", chat_id, exc)

    async def chat_lang(self, chat_id: int) -> str:
        key = StorageKey(bot_id=self.bot.id, chat_id=chat_id, user_id=chat_id)
        lang = (await self.dispatcher.storage.get_data(key)).get("lang")
        return str(lang) if lang in LANGS else "en"

    async def _set_commands(self) -> None:
        for lang, commands in _COMMANDS.items():
            await self.outbox.attempt(
                SetMyCommands(
                    commands=[BotCommand(command=c, description=d) for c, d in commands],
                    language_code=None if lang == "en" else lang,
                )
            )


def _polling_ended(task: asyncio.Task[None]) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.error("telegram long polling stopped", exc_info=task.exception())


def build_telegram(
    manager: DialogueManager,
    *,
    settings: TelegramSettings | None = None,
    orders: OrderLinks | None = None,
    feedback: FeedbackSink | None = None,
    storage: BaseStorage | None = None,
    delivered: DeliveredKeys | None = None,
) -> TelegramGateway:
    """Wire the gateway. `orders` is usually `dialogue.orders.OrderDesk`; `feedback` an
    async callable that stores a `Feedback`. Storage and delivered keys default to
    Redis when KEFU_REDIS_URL is set, memory otherwise."""
    settings = settings or TelegramSettings()
    bot = create_bot(settings)
    if delivered is None and settings.redis_url:
        delivered = RedisDeliveredKeys.from_url(settings.redis_url, settings.telegram_redis_prefix)
    outbox = Outbox.from_settings(bot, settings, delivered)
    services = TelegramServices(
        manager=manager,
        outbox=outbox,
        settings=settings,
        orders=orders,
        feedback=feedback,
        drafts=DraftSupport(wanted=settings.telegram_drafts),
    )
    dispatcher = build_dispatcher(services, storage or make_storage(settings))
    secret = settings.telegram_webhook_secret.get_secret_value() or secrets.token_urlsafe(32)
    gateway = TelegramGateway(bot, dispatcher, services, webhook_secret=secret)
    if settings.redis_url:
        gateway.elect_receiver(receiver_lock(settings, bot.id))
    return gateway


def receiver_lock(settings: TelegramSettings, bot_id: int) -> RedisLeaderLock:
    """The lock the replicas of one bot hold to receive its updates."""
    key = f"{settings.telegram_redis_prefix}:receiver:{bot_id}"
    return RedisLeaderLock(Redis.from_url(settings.redis_url), key, settings.telegram_leader_ttl_s)


async def start_telegram(
    manager: DialogueManager,
    *,
    orders: OrderLinks | None = None,
    feedback: FeedbackSink | None = None,
    settings: TelegramSettings | None = None,
    app: Starlette | None = None,
) -> TelegramGateway | None:
    """Bring Telegram up next to the web app; None when KEFU_TELEGRAM_TOKEN is not set.

    Webhook mode (KEFU_TELEGRAM_WEBHOOK_URL set) needs `app`, the web app the
    webhook route is added to; long polling needs nothing else.
    """
    settings = settings or TelegramSettings()
    if not settings.enabled:
        return None
    if settings.webhook_mode and app is None:
        raise SettingsError("KEFU_TELEGRAM_WEBHOOK_URL is set: the web app must serve the webhook")
    gateway = build_telegram(manager, settings=settings, orders=orders, feedback=feedback)
    if settings.webhook_mode and app is not None:
        gateway.mount(app)
    try:
        await gateway.start()
    except AiogramError as exc:
        await gateway.stop()
        raise TelegramGatewayError(f"cannot reach the Telegram Bot API: {exc}") from exc
    return gateway
