"""Webhook mode: the emulator posts updates to a route on a FastAPI app served by uvicorn."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import pytest
import uvicorn
from fastapi import FastAPI

from bot.telegram.gateway import TelegramGateway, build_telegram, start_telegram
from bot.telegram.webhook import SECRET_HEADER
from dialogue.orders import OrderDesk
from tests.telegram.conftest import LINKED_USER, FeedbackLog, telegram_settings
from tests.telegram.harness import (
    ChatUser,
    Emulator,
    emulator_http,
    emulator_stats,
    free_port,
    new_token,
)
from tests.telegram.scripted import ScriptedShop

SECRET = "s3cret-token_for-tests"


@dataclass
class WebhookEnv:
    gateway: TelegramGateway
    web_url: str
    user: ChatUser
    shop: ScriptedShop


def shop_app() -> FastAPI:
    """Stands in for the widget's web app, catch-all route included."""
    app = FastAPI()

    @app.get("/health")
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.api_route("/{path:path}", methods=["GET", "POST"])
    async def anything(path: str) -> dict[str, str]:
        return {"shop": path}

    return app


@pytest.fixture
async def webhook_env(
    emulator: Emulator, shop: ScriptedShop, order_desk: OrderDesk
) -> AsyncIterator[WebhookEnv]:
    token, port = new_token(), free_port()
    app = shop_app()
    settings = telegram_settings(
        emulator.url,
        token,
        telegram_webhook_url=f"http://127.0.0.1:{port}/telegram/webhook",
        telegram_webhook_secret=SECRET,
    )
    gateway = await start_telegram(
        shop, orders=order_desk, feedback=FeedbackLog(), settings=settings, app=app
    )
    assert gateway is not None and gateway.webhook is not None
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    )
    serving = asyncio.create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0.02)
    async with emulator_http(emulator.url) as http:
        yield WebhookEnv(gateway, f"http://127.0.0.1:{port}", ChatUser(http, token, 2001), shop)
    await gateway.stop()
    server.should_exit = True
    await serving
    assert (await emulator_stats(emulator.url, token))["tooManyRequests"] == []


async def test_updates_arrive_by_webhook_and_are_answered(webhook_env: WebhookEnv) -> None:
    user = webhook_env.user
    await user.send("/start")
    [welcome] = await user.wait_for(lambda ms: len(ms) >= 1, what="the welcome")
    await user.press(welcome, "English")
    await user.send("How much are the earbuds?")
    [answer] = await user.wait_answers(1)
    assert "The Aurora wireless earbuds costs 299 CNY." in answer["text"]
    await user.press(answer, "👎")
    await user.send("/human")
    await user.wait_for(lambda ms: "colleague" in ms[-1].get("text", ""), what="the handoff")
    assert webhook_env.shop.turns[-1].text == "I'd like to talk to a human agent, please."


async def test_order_status_by_webhook_for_a_linked_user(webhook_env: WebhookEnv) -> None:
    user = ChatUser(webhook_env.user.http, webhook_env.user.token, LINKED_USER)
    await user.send("Where is my order?")
    [answer] = await user.wait_answers(1)
    assert "is shipped" in answer["text"]


async def test_the_secret_token_is_required_and_updates_are_handled_once(
    webhook_env: WebhookEnv,
) -> None:
    update = {
        "update_id": 987654,
        "message": {
            "message_id": 1,
            "date": 1,
            "text": "how much are the shoes?",
            "chat": {"id": 2002, "type": "private"},
            "from": {"id": 2002, "is_bot": False, "first_name": "Ann"},
        },
    }
    url = webhook_env.web_url + "/telegram/webhook"
    async with httpx.AsyncClient() as http:
        assert (await http.post(url, json=update)).status_code == 401
        wrong = {SECRET_HEADER: "not-it"}
        assert (await http.post(url, json=update, headers=wrong)).status_code == 401
        assert not webhook_env.shop.turns
        right = {SECRET_HEADER: SECRET}
        assert (await http.post(url, content=b"{nope", headers=right)).status_code == 400
        for _ in range(2):  # Telegram retrying the same update
            response = await http.post(url, json=update, headers=right)
            assert response.status_code == 200
        # the app's own routes still answer
        assert (await http.get(webhook_env.web_url + "/health")).json() == {"status": "ok"}
    user = ChatUser(webhook_env.user.http, webhook_env.user.token, 2002)
    await user.wait_for(lambda ms: len(ms) == 2, what="one answer and its card")
    await user.stays_quiet(1.5, known=2)
    assert [t.text for t in webhook_env.shop.turns] == ["how much are the shoes?"]


async def test_webhook_mode_needs_the_web_app(emulator: Emulator, shop: ScriptedShop) -> None:
    settings = telegram_settings(
        emulator.url, new_token(), telegram_webhook_url="https://bot.example/telegram/webhook"
    )
    from bot.telegram.errors import SettingsError

    with pytest.raises(SettingsError):
        await start_telegram(shop, settings=settings)
    gateway = build_telegram(shop, settings=settings)
    with pytest.raises(SettingsError):
        await gateway.start()
    await gateway.stop()
    assert await start_telegram(shop, settings=telegram_settings(emulator.url, "")) is None
