"""An OpenAI-compatible streaming chat server for fault injection, on a real TCP port.

It speaks enough of `POST /v1/chat/completions` with `stream: true` for the client:
the reply is sent as server-sent events, one word per event. The test can make it
answer HTTP 500 or garbage, or stop it entirely in the middle of a reply (the
listening socket closes and every open connection is cut), and start it again on
the same port.
"""

from __future__ import annotations

import asyncio
import json
import re
from typing import Literal

Mode = Literal["ok", "http500", "garbage"]
_WORD = re.compile(r"\S+\s*")


class ChatServer:
    def __init__(self, reply: str, *, token_delay_s: float = 0.01) -> None:
        self.reply = reply
        self.token_delay_s = token_delay_s
        self.mode: Mode = "ok"
        self.requests: list[dict[str, object]] = []
        # stop the whole server after sending this many words of the next reply
        self.stop_after_words: int | None = None
        self.port = 0
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    async def start(self) -> str:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", self.port)
        self.port = self._server.sockets[0].getsockname()[1]
        return self.base_url

    async def stop(self) -> None:
        """Like a killed process: no more connections, and open ones are cut."""
        if self._server is not None:
            self._server.close()
            self._server = None
        for writer in list(self._writers):
            writer.transport.abort()
        self._writers.clear()

    async def __aenter__(self) -> ChatServer:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._writers.add(writer)
        try:
            head = await reader.readuntil(b"\r\n\r\n")
            length = 0
            for line in head.split(b"\r\n"):
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":", 1)[1])
            self.requests.append(json.loads(await reader.readexactly(length)))
            if self.mode == "http500":
                body = b'{"error": "engine crashed"}'
                writer.write(
                    b"HTTP/1.1 500 Internal Server Error\r\nContent-Type: application/json\r\n"
                    + f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode()
                    + body
                )
            elif self.mode == "garbage":
                writer.write(
                    b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
                    b"Connection: close\r\n\r\ndata: {'choices': oops\r\n\r\n"
                )
            else:
                await self._stream_reply(writer)
                return
            await writer.drain()
            writer.close()
        except (ConnectionError, asyncio.IncompleteReadError):
            writer.transport.abort()
        finally:
            self._writers.discard(writer)

    async def _stream_reply(self, writer: asyncio.StreamWriter) -> None:
        writer.write(
            b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nConnection: close\r\n\r\n"
        )
        for n, word in enumerate(_WORD.findall(self.reply)):
            if self.stop_after_words is not None and n >= self.stop_after_words:
                self.stop_after_words = None
                await self.stop()
                return
            writer.write(_event({"delta": {"content": word}, "finish_reason": None}))
            await writer.drain()
            await asyncio.sleep(self.token_delay_s)
        writer.write(_event({"delta": {}, "finish_reason": "stop"}) + b"data: [DONE]\n\n")
        await writer.drain()
        writer.close()


def _event(choice: dict[str, object]) -> bytes:
    return f"data: {json.dumps({'choices': [{'index': 0, **choice}]})}\n\n".encode()
