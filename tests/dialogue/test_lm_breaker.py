"""The circuit breaker on its own (a hand-driven clock) and in the OpenAI client against a real
streaming server that dies, answers garbage or HTTP 500, and comes back."""

from __future__ import annotations

import asyncio

import pytest

from dialogue.lm.breaker import CircuitBreaker
from dialogue.lm.errors import ModelCircuitOpen, ModelProtocolError, ModelServerUnavailable
from dialogue.lm.openai_client import OpenAIChatClient
from dialogue.lm.types import ChatMessage, GenerationParams
from tests.dialogue.lm_servers import free_port
from tests.dialogue.sse_server import ChatServer

HELLO = [ChatMessage("user", "hello")]


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_opens_after_consecutive_failures_and_a_success_resets_the_count() -> None:
    clock = Clock()
    breaker = CircuitBreaker("m", failure_threshold=3, cooldown_s=10, clock=clock)
    for _ in range(2):
        assert breaker.acquire()
        breaker.record_failure()
    assert breaker.acquire()
    breaker.record_success()  # not consecutive any more
    for _ in range(2):
        assert breaker.acquire()
        breaker.record_failure()
    assert breaker.state == "closed"
    assert breaker.acquire()
    breaker.record_failure()
    assert breaker.state == "open" and not breaker.acquire()
    assert breaker.retry_in_s() == pytest.approx(10)


def test_half_open_lets_exactly_one_trial_through() -> None:
    clock = Clock()
    breaker = CircuitBreaker("m", failure_threshold=1, cooldown_s=5, clock=clock)
    breaker.acquire()
    breaker.record_failure()
    clock.now += 4.9
    assert not breaker.acquire()
    clock.now += 0.2
    assert breaker.state == "half_open"
    assert breaker.acquire()
    assert not breaker.acquire(), "a second request waits for the trial's verdict"
    breaker.record_failure()  # the trial failed: another full cool-down
    assert breaker.state == "open"
    clock.now += 5
    assert breaker.acquire()
    breaker.release()  # the caller left before any answer: the next one may try
    assert breaker.acquire()
    breaker.record_success()
    assert breaker.state == "closed" and breaker.snapshot().consecutive_failures == 0


def test_rejects_nonsense_settings() -> None:
    with pytest.raises(ValueError):
        CircuitBreaker("m", failure_threshold=0)
    with pytest.raises(ValueError):
        CircuitBreaker("m", cooldown_s=-1)


async def collect(client: OpenAIChatClient) -> str:
    return "".join([d async for d in client.stream(HELLO, GenerationParams())])


def client_for(url: str, breaker: CircuitBreaker, **kw: object) -> OpenAIChatClient:
    options: dict[str, object] = {"retries": 0, "backoff_s": 0.01, "first_token_timeout_s": 2.0}
    options.update(kw)
    return OpenAIChatClient(url, "m", breaker=breaker, **options)  # type: ignore[arg-type]


async def test_breaker_opens_on_a_dead_server_then_closes_when_it_is_back() -> None:
    clock = Clock()
    breaker = CircuitBreaker("m", failure_threshold=2, cooldown_s=30, clock=clock)
    server = ChatServer("Hello there.")
    url = await server.start()
    client = client_for(url, breaker)
    assert await collect(client) == "Hello there."
    await server.stop()
    for _ in range(2):
        with pytest.raises(ModelServerUnavailable, match="cannot reach"):
            await collect(client)
    assert breaker.state == "open"
    await server.start()  # back on the same port, but the breaker is still cooling down
    with pytest.raises(ModelCircuitOpen, match="failed 2 times in a row"):
        await collect(client)
    assert len(server.requests) == 1, "an open breaker sends nothing to the server"
    clock.now += 30
    assert breaker.state == "half_open"
    assert await collect(client) == "Hello there."  # the trial
    assert breaker.state == "closed" and len(server.requests) == 2
    await client.aclose()
    await server.stop()


async def test_a_stream_that_dies_mid_reply_counts_as_a_failure() -> None:
    breaker = CircuitBreaker("m", failure_threshold=1, cooldown_s=30)
    server = ChatServer("one two three four five six", token_delay_s=0.02)
    server.stop_after_words = 3
    url = await server.start()
    client = client_for(url, breaker, retries=3)
    got: list[str] = []
    with pytest.raises(ModelServerUnavailable, match=r"mid-reply|ended before"):
        async for delta in client.stream(HELLO, GenerationParams()):
            got.append(delta)
    assert "".join(got) == "one two three ", "nothing repeated, nothing after the cut"
    assert len(server.requests) == 1, "text had reached the caller: no retry"
    assert breaker.state == "open"
    await client.aclose()


@pytest.mark.parametrize(
    ("mode", "error", "message"),
    [
        ("http500", ModelServerUnavailable, "HTTP 500"),
        ("garbage", ModelProtocolError, "invalid JSON"),
    ],
)
async def test_garbage_and_http_500_open_the_breaker(
    mode: str, error: type[Exception], message: str
) -> None:
    breaker = CircuitBreaker("m", failure_threshold=2, cooldown_s=30)
    async with ChatServer("unused") as server:
        server.mode = mode  # type: ignore[assignment]
        client = client_for(server.base_url, breaker)
        for _ in range(2):
            with pytest.raises(error, match=message):
                await collect(client)
        with pytest.raises(ModelCircuitOpen):
            await collect(client)
        assert len(server.requests) == 2
        await client.aclose()


async def test_retries_before_the_first_token_back_off_with_jitter() -> None:
    breaker = CircuitBreaker("m", failure_threshold=5)
    client = client_for(f"http://127.0.0.1:{free_port()}/v1", breaker, retries=3, backoff_s=0.2)
    delays = [client._backoff_delay(attempt) for attempt in range(4) for _ in range(50)]
    for attempt in range(4):
        ceiling = min(4.0, 0.2 * 2**attempt)
        mine = delays[attempt * 50 : (attempt + 1) * 50]
        assert all(ceiling / 2 <= d <= ceiling for d in mine)
        assert len(set(mine)) > 1, "jitter spreads replicas that failed together"
    with pytest.raises(ModelServerUnavailable, match="4 attempts"):
        await collect(client)
    assert breaker.snapshot().consecutive_failures == 1, "one request, one failure"
    await client.aclose()


async def test_a_server_that_restarts_during_the_retries_answers_in_full() -> None:
    server = ChatServer("Back again.")
    await server.start()
    port = server.port
    await server.stop()
    client = client_for(f"http://127.0.0.1:{port}/v1", CircuitBreaker("m"), retries=5,
                        backoff_s=0.2)  # fmt: skip

    async def restart_soon() -> None:
        await asyncio.sleep(0.3)
        await server.start()

    restarting = asyncio.create_task(restart_soon())
    assert await collect(client) == "Back again."
    await restarting
    await client.aclose()
    await server.stop()
