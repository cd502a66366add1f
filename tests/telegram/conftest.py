"""Fixtures: the emulator (one per test run), a shop database, the bot running against them."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiogram.fsm.storage.base import BaseStorage

from bot.telegram.gateway import TelegramGateway, build_telegram
from bot.telegram.settings import TelegramSettings
from catalog.db import create_db_engine, init_schema
from dialogue.orders import OrderDesk
from dialogue.types import DialogueManager, Feedback
from tests.support.orders import seed_two_customers
from tests.telegram.harness import (
    ChatUser,
    Emulator,
    emulator_http,
    emulator_stats,
    new_token,
    require_emulator,
)
from tests.telegram.scripted import ScriptedShop

LINKED_USER = 4242  # a Telegram user already linked to customer 1


@pytest.fixture(scope="session")
def emulator() -> Iterator[Emulator]:
    """telegram-test-api enforcing Telegram's documented flood limits."""
    require_emulator()
    running = Emulator(limits=True)
    yield running
    running.stop()


@pytest.fixture
def order_desk(tmp_path: Path) -> OrderDesk:
    engine = create_db_engine(f"sqlite:///{tmp_path / 'shop.db'}")
    init_schema(engine)
    seed_two_customers(engine, telegram_id=LINKED_USER)
    return OrderDesk(engine)


@dataclass
class FeedbackLog:
    received: list[Feedback] = field(default_factory=list)

    async def __call__(self, feedback: Feedback) -> None:
        self.received.append(feedback)


def telegram_settings(api_url: str, token: str, **overrides: Any) -> TelegramSettings:
    values: dict[str, Any] = {
        "telegram_token": token,
        "telegram_api_url": api_url,
        "telegram_webhook_url": "",
        "redis_url": "",
        "public_url": "https://shop.example",
        "telegram_polling_timeout_s": 5,
    }
    values.update(overrides)
    return TelegramSettings(_env_file=None, **values)


@asynccontextmanager
async def running_bot(
    settings: TelegramSettings,
    manager: DialogueManager,
    *,
    orders: OrderDesk | None = None,
    feedback: FeedbackLog | None = None,
    storage: BaseStorage | None = None,
) -> AsyncIterator[TelegramGateway]:
    gateway = build_telegram(
        manager, settings=settings, orders=orders, feedback=feedback, storage=storage
    )
    await gateway.start()
    try:
        yield gateway
    finally:
        await gateway.stop()


@dataclass
class BotEnv:
    gateway: TelegramGateway
    token: str
    http: httpx.AsyncClient
    shop: ScriptedShop
    feedback: FeedbackLog

    def user(self, user_id: int, **options: Any) -> ChatUser:
        return ChatUser(self.http, self.token, user_id, **options)


@pytest.fixture
def shop(order_desk: OrderDesk) -> ScriptedShop:
    return ScriptedShop(desk=order_desk)


@pytest.fixture
async def bot_env(
    emulator: Emulator, shop: ScriptedShop, order_desk: OrderDesk
) -> AsyncIterator[BotEnv]:
    """The bot in long-polling mode with default flood control, a fresh token per test."""
    token = new_token()
    feedback = FeedbackLog()
    settings = telegram_settings(emulator.url, token)
    async with (
        running_bot(settings, shop, orders=order_desk, feedback=feedback) as gateway,
        emulator_http(emulator.url) as http,
    ):
        yield BotEnv(gateway, token, http, shop, feedback)
    # Telegram's limits were kept: the emulator never had to answer 429.
    stats = await emulator_stats(emulator.url, token)
    assert stats["tooManyRequests"] == []
