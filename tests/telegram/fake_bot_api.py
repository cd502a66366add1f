"""A Bot API server over real HTTP (aiohttp) that misbehaves on cue, for the outbox tests.

`faults[text]` lists what happens to successive requests carrying that text:
"429:<s>" answers Too Many Requests with retry_after=<s>, "drop" closes the
connection before answering (the message is not taken), "502" answers a proxy's
HTML error page, "400" refuses the request for good. Without a fault the message
is accepted and recorded with its arrival time.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from tests.telegram.harness import free_port


@dataclass(frozen=True)
class Arrival:
    at: float  # time.monotonic() when the request arrived
    method: str
    chat_id: int
    text: str
    outcome: str  # "ok" or the fault


@dataclass
class FakeBotApi:
    faults: dict[str, list[str]] = field(default_factory=dict)
    arrivals: list[Arrival] = field(default_factory=list)
    _runner: web.AppRunner | None = None
    _next_id: int = 1
    url: str = ""

    @property
    def accepted(self) -> list[Arrival]:
        return [a for a in self.arrivals if a.outcome == "ok"]

    async def start(self) -> str:
        app = web.Application()
        app.router.add_post("/bot{token}/{method}", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        port = free_port()
        await web.TCPSite(self._runner, "127.0.0.1", port).start()
        self.url = f"http://127.0.0.1:{port}"
        return self.url

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        arrived = time.monotonic()
        form = await request.post()
        text = str(form.get("text", ""))
        chat_id = int(str(form.get("chat_id", "0")))
        method = request.match_info["method"]
        pending = self.faults.get(text, [])
        fault = pending.pop(0) if pending else "ok"
        self.arrivals.append(Arrival(arrived, method, chat_id, text, fault))
        if fault.startswith("429:"):
            retry_after = int(fault.split(":")[1])
            return web.json_response(
                {
                    "ok": False,
                    "error_code": 429,
                    "description": f"Too Many Requests: retry after {retry_after}",
                    "parameters": {"retry_after": retry_after},
                },
                status=429,
            )
        if fault == "drop":
            assert request.transport is not None
            request.transport.abort()
            raise web.HTTPInternalServerError()  # never written: the connection is gone
        if fault == "502":
            return web.Response(
                status=502,
                text="<html><body>502 Bad Gateway</body></html>",
                content_type="text/html",
            )
        if fault == "400":
            return web.json_response(
                {"ok": False, "error_code": 400, "description": "Bad Request: chat not found"},
                status=400,
            )
        return web.json_response({"ok": True, "result": self._message(chat_id, text)})

    def _message(self, chat_id: int, text: str) -> dict[str, Any]:
        message_id, self._next_id = self._next_id, self._next_id + 1
        return {
            "message_id": message_id,
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private" if chat_id > 0 else "group"},
            "text": text,
        }
