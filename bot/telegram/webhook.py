"""Webhook mode: Telegram POSTs updates to a route on the web app.

The route checks the secret Telegram echoes in X-Telegram-Bot-Api-Secret-Token,
answers at once and handles the update in the background (Telegram retries a
webhook call that is slow to answer). Updates already seen, Telegram retrying,
are acknowledged and dropped.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
from collections import OrderedDict

from aiogram import Bot, Dispatcher
from aiogram.types import Update
from pydantic import ValidationError
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

log = logging.getLogger(__name__)
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
_MAX_BODY = 1024 * 1024
_SEEN_KEPT = 10_000


class WebhookEndpoint:
    def __init__(self, dispatcher: Dispatcher, bot: Bot, secret: str) -> None:
        if not secret:
            raise ValueError("a webhook needs a secret token")
        self.dispatcher = dispatcher
        self.bot = bot
        self.secret = secret
        self._seen: OrderedDict[int, None] = OrderedDict()
        self._tasks: set[asyncio.Task[object]] = set()

    async def handle(self, request: Request) -> Response:
        given = request.headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(given.encode(), self.secret.encode()):
            return JSONResponse({"ok": False, "error": "bad secret token"}, status_code=401)
        length = request.headers.get("content-length", "")
        if length.isdigit() and int(length) > _MAX_BODY:
            return JSONResponse({"ok": False, "error": "too large"}, status_code=413)
        body = await request.body()
        if len(body) > _MAX_BODY:
            return JSONResponse({"ok": False, "error": "too large"}, status_code=413)
        try:
            update = Update.model_validate(json.loads(body), context={"bot": self.bot})
        except (ValueError, ValidationError):
            return JSONResponse({"ok": False, "error": "not an update"}, status_code=400)
        if update.update_id in self._seen:
            return JSONResponse({})
        self._seen[update.update_id] = None
        while len(self._seen) > _SEEN_KEPT:
            self._seen.popitem(last=False)
        task = asyncio.create_task(self.dispatcher.feed_update(self.bot, update))
        self._tasks.add(task)
        task.add_done_callback(self._done)
        return JSONResponse({})

    def _done(self, task: asyncio.Task[object]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("webhook update failed", exc_info=task.exception())

    async def close(self, timeout: float = 10.0) -> None:
        """Let updates in progress finish."""
        if self._tasks:
            await asyncio.wait(set(self._tasks), timeout=timeout)


def mount_webhook(
    app: Starlette, dispatcher: Dispatcher, bot: Bot, secret: str, path: str
) -> WebhookEndpoint:
    """Serve Telegram's webhook at `path` on `app` (a FastAPI or Starlette app).

    The route goes first, so catch-all routes of the app cannot shadow it.
    """
    endpoint = WebhookEndpoint(dispatcher, bot, secret)
    route = Route(
        path,
        endpoint=endpoint.handle,
        methods=["POST"],
        include_in_schema=False,
        name="telegram_webhook",
    )
    app.router.routes.insert(0, route)
    return endpoint
