"""The OpenAI-compatible client against real servers: transformers serve, and broken ones."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from dialogue.lm.errors import LMError, ModelProtocolError, ModelServerUnavailable
from dialogue.lm.openai_client import OpenAIChatClient, estimate_tokens
from dialogue.lm.types import ChatMessage, GenerationParams
from tests.dialogue.lm_reference import chat, reference_replies
from tests.dialogue.lm_servers import CannedServer, chunk, free_port, plain, sse

HELLO = [ChatMessage("user", "hello")]


@pytest.fixture
async def served_tiny(served_url: str, tiny_lm_dir: Path) -> AsyncIterator[OpenAIChatClient]:
    # The server is pinned to the model it was started with and names it by its path.
    client = OpenAIChatClient(served_url, str(tiny_lm_dir))
    yield client
    await client.aclose()


async def collect(client: OpenAIChatClient, messages: list[ChatMessage], **kw: object) -> str:
    params = GenerationParams(**kw)  # type: ignore[arg-type]
    return "".join([d async for d in client.stream(messages, params)])


async def test_streams_greedy_replies_from_transformers_serve(
    served_tiny: OpenAIChatClient, tiny_lm_dir: Path
) -> None:
    client = served_tiny
    prompt = "你好，耳机多少钱？"
    expected = reference_replies(tiny_lm_dir, [prompt], 12)[0]
    deltas = [d async for d in client.stream(chat(prompt), GenerationParams(max_new_tokens=12))]
    again = await collect(client, chat(prompt), max_new_tokens=12)
    assert len(deltas) > 1, "a streamed reply arrives in pieces"
    text = "".join(deltas)
    assert text == again
    # The server decodes each token on its own, so a character split over several
    # byte-level tokens arrives as U+FFFD; everything else is the greedy reference.
    served, reference = text.replace("\ufffd", ""), expected.replace("\ufffd", "")
    assert served == reference[: len(served)]
    assert len(served) >= len(reference) // 2


async def test_closing_early_leaves_the_server_usable(served_tiny: OpenAIChatClient) -> None:
    stream = served_tiny.stream(HELLO, GenerationParams(max_new_tokens=400))
    assert await anext(stream)
    await stream.aclose()
    assert await collect(served_tiny, HELLO, max_new_tokens=4)


async def test_dead_server_fails_fast_with_model_server_unavailable() -> None:
    client = OpenAIChatClient(f"http://127.0.0.1:{free_port()}/v1", "m", retries=2, backoff_s=0.05)
    started = time.monotonic()
    with pytest.raises(ModelServerUnavailable, match="3 attempts"):
        await collect(client, HELLO)
    assert time.monotonic() - started < 2
    await client.aclose()


async def test_retries_a_503_before_the_first_token() -> None:
    ok = sse(chunk("Hi"), chunk(" there", "stop"), "[DONE]")
    server = CannedServer(plain("503 Service Unavailable", "text/plain", "loading"), ok)
    async with server as url:
        client = OpenAIChatClient(url, "m", retries=1, backoff_s=0.01)
        assert await collect(client, HELLO) == "Hi there"
        await client.aclose()
    assert len(server.requests) == 2
    body = json.loads(server.requests[-1].split(b"\r\n\r\n", 1)[1])
    assert body["stream"] is True
    assert body["messages"] == [{"role": "user", "content": "hello"}]


@pytest.mark.parametrize(
    ("response", "error", "message"),
    [
        (plain("200 OK", "text/html", "<html><body>It works!</body></html>"),
         ModelProtocolError, "not answer with an event stream"),
        (sse("{not json"), ModelProtocolError, "invalid JSON"),
        (sse('{"object": "list"}'), ModelProtocolError, "without choices"),
        (sse(chunk("Hi")), ModelServerUnavailable, "ended before the reply was complete"),
        (plain("500 Internal Server Error", "text/plain", "boom"), ModelServerUnavailable, "500"),
        (plain("400 Bad Request", "application/json", '{"error": "bad model"}'), LMError,
         "refused the request: HTTP 400"),
        (sse('{"error": {"message": "out of memory"}}'), LMError, "out of memory"),
    ],
)  # fmt: skip
async def test_broken_answers_raise_clear_errors(
    response: bytes, error: type[Exception], message: str
) -> None:
    async with CannedServer(response) as url:
        client = OpenAIChatClient(url, "m", retries=0)
        with pytest.raises(error, match=message):
            await collect(client, HELLO)
        await client.aclose()


async def test_a_stream_dropped_mid_reply_is_reported_not_retried() -> None:
    server = CannedServer([sse(chunk("Hel")), 0.05, CannedServer.DROP])
    async with server as url:
        client = OpenAIChatClient(url, "m", retries=3, backoff_s=0.01)
        got = []
        with pytest.raises(ModelServerUnavailable):
            async for delta in client.stream(HELLO, GenerationParams()):
                got.append(delta)
        await client.aclose()
    assert got == ["Hel"]
    assert len(server.requests) == 1


async def test_a_silent_server_times_out_before_the_first_token() -> None:
    head = b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n\r\n"
    async with CannedServer([head, 5.0]) as url:
        client = OpenAIChatClient(url, "m", first_token_timeout_s=0.3, retries=0)
        with pytest.raises(ModelServerUnavailable, match=r"no reply .* within 0.3s"):
            await asyncio.wait_for(collect(client, HELLO), timeout=4)
        await client.aclose()


async def test_a_server_silent_between_tokens_times_out_without_a_retry() -> None:
    server = CannedServer([sse(chunk("Hel")), 5.0])
    async with server as url:
        client = OpenAIChatClient(url, "m", timeout_s=0.3, retries=2, backoff_s=0.01)
        got = []
        with pytest.raises(ModelServerUnavailable, match="silent mid-reply"):
            async with asyncio.timeout(4):
                async for delta in client.stream(HELLO, GenerationParams()):
                    got.append(delta)
        await client.aclose()
    assert got == ["Hel"] and len(server.requests) == 1


async def test_stop_strings_are_applied_even_if_the_server_ignores_them() -> None:
    async with CannedServer(sse(chunk("好的。"), chunk("还有"), chunk("", "stop"))) as url:
        client = OpenAIChatClient(url, "m")
        assert await collect(client, HELLO, stop=("。",)) == "好的"
        await client.aclose()


async def test_a_plain_json_reply_is_accepted() -> None:
    reply = '{"choices": [{"index": 0, "message": {"role": "assistant", "content": "您好"}}]}'
    async with CannedServer(plain("200 OK", "application/json", reply)) as url:
        client = OpenAIChatClient(url, "m")
        assert await collect(client, HELLO) == "您好"
        await client.aclose()


def test_token_estimate_is_cautious_for_chinese_and_english() -> None:
    assert estimate_tokens("") == 0
    assert estimate_tokens("退货政策") == 4
    assert estimate_tokens("return policy") == 5
