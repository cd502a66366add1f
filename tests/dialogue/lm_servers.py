"""Real HTTP servers for the OpenAI client tests.

`transformers_serve` starts transformers' own OpenAI-compatible server in a subprocess;
`CannedServer` is a raw asyncio TCP server that answers each connection with prepared
bytes, for the failures a real model server can produce (garbage, 503, a dropped stream).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def transformers_serve(model_dir: Path, workdir: Path, timeout_s: float = 240) -> Iterator[str]:
    """Run `transformers serve <model_dir>` on a free port; yields its /v1 base URL."""
    port = free_port()
    log_path = workdir / "transformers-serve.log"
    env = {
        **os.environ,
        "HF_HUB_OFFLINE": "1",
        "HF_HOME": str(workdir / "hf-home"),
        "OMP_NUM_THREADS": "1",
    }
    code = "import sys; from transformers.cli.transformers import main; sys.exit(main())"
    args = [sys.executable, "-c", code, "serve", str(model_dir)]
    args += ["--host", "127.0.0.1", "--port", str(port), "--device", "cpu", "--dtype", "float32"]
    with log_path.open("wb") as log:
        proc = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, env=env)
    try:
        deadline = time.monotonic() + timeout_s
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"transformers serve exited:\n{log_path.read_text()[-3000:]}")
            try:
                if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"transformers serve did not start:\n{log_path.read_text()}")
            time.sleep(0.5)
        yield f"http://127.0.0.1:{port}/v1"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def sse(*events: str) -> bytes:
    """A 200 text/event-stream response carrying `events` (already JSON text)."""
    body = "".join(f"data: {e}\n\n" for e in events).encode()
    head = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nConnection: close\r\n\r\n"
    return head.encode() + body


def chunk(text: str, finish: str | None = None) -> str:
    reason = f'"{finish}"' if finish else "null"
    delta = f'{{"content": "{text}"}}' if text else "{}"
    return f'{{"choices": [{{"index": 0, "delta": {delta}, "finish_reason": {reason}}}]}}'


def plain(status: str, content_type: str, body: str) -> bytes:
    data = body.encode()
    head = (
        f"HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\n"
        f"Content-Length: {len(data)}\r\nConnection: close\r\n\r\n"
    )
    return head.encode() + data


class CannedServer:
    """Answers the n-th connection with the n-th response (the last one repeats).

    A response is bytes, or a list whose items are bytes to send or float seconds to
    pause; a list that ends without closing normally can drop the connection with
    `CannedServer.DROP`.
    """

    DROP = "drop"

    def __init__(self, *responses: bytes | list[bytes | float | str]) -> None:
        self._responses = list(responses)
        self.requests: list[bytes] = []
        self._server: asyncio.Server | None = None

    async def __aenter__(self) -> str:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        port = self._server.sockets[0].getsockname()[1]
        return f"http://127.0.0.1:{port}/v1"

    async def __aexit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.close()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        length = 0
        for line in head.split(b"\r\n"):
            if line.lower().startswith(b"content-length:"):
                length = int(line.split(b":", 1)[1])
        self.requests.append(head + await reader.readexactly(length))
        index = min(len(self.requests), len(self._responses)) - 1
        response = self._responses[index]
        steps = response if isinstance(response, list) else [response]
        try:
            for step in steps:
                if isinstance(step, float):
                    await asyncio.sleep(step)
                elif step == self.DROP:
                    writer.transport.abort()
                    return
                elif isinstance(step, bytes):
                    writer.write(step)
                    await writer.drain()
            writer.close()
        except (ConnectionError, asyncio.CancelledError):
            writer.transport.abort()
