"""`LanguageModel` over an OpenAI-compatible server (vLLM, TGI, llama.cpp, transformers serve).

Streams `POST {base_url}/chat/completions` with `stream: true` and reads the
server-sent events. Three timeouts bound the wait: the connection, the first piece
of the reply, and the silence between two pieces. A failure before the first piece
is retried with exponential backoff and jitter; once text has reached the caller the
reply is never restarted (the shopper would see it twice), so a later failure is
reported instead. A circuit breaker stops calling a server that keeps failing: while
it is open, `stream` raises `ModelCircuitOpen` at once, without a request.

This is the only module that imports httpx for language models.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import math
import random
from collections.abc import AsyncIterator, Callable, Sequence
from typing import Any

import httpx

from dialogue.lm.breaker import CircuitBreaker
from dialogue.lm.errors import (
    LMError,
    ModelCircuitOpen,
    ModelProtocolError,
    ModelServerUnavailable,
)
from dialogue.lm.stops import StopFilter
from dialogue.lm.types import ChatMessage, GenerationParams
from dialogue.settings import DialogueSettings

log = logging.getLogger(__name__)

DEFAULT_CONTEXT_WINDOW = 32768
# Status codes worth another attempt: the server is starting, overloaded or restarting.
_RETRY_STATUS = frozenset({429, 502, 503, 504})
# OpenAI accepts at most four stop strings; the rest are applied here.
_MAX_SERVER_STOPS = 4


def estimate_tokens(text: str) -> int:
    """A cautious token count when the server's tokenizer is not at hand.

    One per CJK character (Qwen and Llama tokenizers need fewer), one per three
    other characters (English averages about four).
    """
    cjk = sum(1 for ch in text if "\u2e80" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff")
    return cjk + math.ceil((len(text) - cjk) / 3)


class OpenAIChatClient:
    """Streams chat completions from an OpenAI-compatible HTTP server."""

    def __init__(
        self,
        base_url: str,
        model: str,
        *,
        api_key: str = "",
        timeout_s: float = 60.0,
        connect_timeout_s: float = 5.0,
        first_token_timeout_s: float = 30.0,
        retries: int = 2,
        backoff_s: float = 0.25,
        backoff_max_s: float = 4.0,
        breaker: CircuitBreaker | None = None,
        context_window: int = DEFAULT_CONTEXT_WINDOW,
        count_tokens: Callable[[str], int] | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self._url = base_url.rstrip("/") + "/chat/completions"
        self._model = model
        self._retries = retries
        self._backoff_s = backoff_s
        self._backoff_max_s = backoff_max_s
        self._token_timeout_s = timeout_s
        self._first_token_timeout_s = first_token_timeout_s
        self.breaker = breaker or CircuitBreaker(self._url)
        self._rng = rng or random.Random()
        self._context_window = context_window
        self._count = count_tokens or estimate_tokens
        headers = {"Accept": "text/event-stream"}
        if api_key:
            headers["Authorization"] = f"Bearer {api_key}"
        # The first-token and between-token limits are enforced around each read below;
        # httpx's read timeout is only the backstop for a socket that never answers.
        read_backstop = max(timeout_s, first_token_timeout_s)
        timeout = httpx.Timeout(read_backstop, connect=connect_timeout_s)
        self._http = httpx.AsyncClient(headers=headers, timeout=timeout, transport=transport)

    @classmethod
    def from_settings(
        cls, settings: DialogueSettings, count_tokens: Callable[[str], int] | None = None
    ) -> OpenAIChatClient:
        breaker = CircuitBreaker(
            settings.lm_base_url,
            failure_threshold=settings.lm_breaker_failures,
            cooldown_s=settings.lm_breaker_cooldown_s,
        )
        return cls(
            settings.lm_base_url,
            settings.lm_model,
            api_key=settings.lm_api_key.get_secret_value(),
            timeout_s=settings.lm_timeout_s,
            connect_timeout_s=settings.lm_connect_timeout_s,
            first_token_timeout_s=settings.lm_first_token_timeout_s,
            retries=settings.lm_retries,
            backoff_s=settings.lm_backoff_s,
            backoff_max_s=settings.lm_backoff_max_s,
            breaker=breaker,
            context_window=settings.lm_context_window or DEFAULT_CONTEXT_WINDOW,
            count_tokens=count_tokens,
        )

    @property
    def name(self) -> str:
        return self._model

    @property
    def context_window(self) -> int:
        return self._context_window

    def count_tokens(self, text: str) -> int:
        return self._count(text)

    async def stream(
        self, messages: Sequence[ChatMessage], params: GenerationParams
    ) -> AsyncIterator[str]:
        if not self.breaker.acquire():
            snap = self.breaker.snapshot()
            raise ModelCircuitOpen(
                f"the model server at {self._url} failed {snap.consecutive_failures} times "
                f"in a row; not calling it for another {self.breaker.retry_in_s():.1f}s"
            )
        body = self._request_body(messages, params)
        outcome = "pending"  # "ok" or "failed" once known
        answered = False
        try:
            async for piece in self._attempts(body, params):
                answered = True
                yield piece
            outcome = "ok"
        except LMError as exc:
            outcome = "failed" if isinstance(exc, _SERVER_FAULTS) else "ok"
            raise
        finally:
            if outcome == "ok" or (outcome == "pending" and answered):
                # a refusal (HTTP 4xx) or a reply the caller stopped reading: the server works
                self.breaker.record_success()
            elif outcome == "failed":
                self.breaker.record_failure()
            else:
                self.breaker.release()  # the caller left before any answer: no verdict

    async def _attempts(self, body: dict[str, Any], params: GenerationParams) -> AsyncIterator[str]:
        """The reply, retrying failures that happen before its first visible piece."""
        cause: Exception | None = None
        for attempt in range(self._retries + 1):
            started = False  # text has reached the caller: from then on, never retry
            try:
                async for piece in self._one_attempt(body, StopFilter(params.stop)):
                    started = True
                    yield piece
                return
            except (_Retryable, ModelServerUnavailable) as exc:
                if started:
                    raise ModelServerUnavailable(str(exc)) from exc
                failure, cause = str(exc), exc
            except httpx.TimeoutException as exc:
                if started:
                    raise ModelServerUnavailable(
                        f"the model server at {self._url} went silent ({type(exc).__name__})"
                    ) from exc
                failure, cause = f"{type(exc).__name__}: {exc or 'no detail'}", exc
            except httpx.TransportError as exc:
                if started:
                    raise ModelServerUnavailable(
                        f"the connection to {self._url} broke mid-reply "
                        f"({type(exc).__name__}: {exc})"
                    ) from exc
                failure, cause = f"{type(exc).__name__}: {exc or 'no detail'}", exc
            if attempt == self._retries:
                raise ModelServerUnavailable(
                    f"cannot reach the model server at {self._url}: {failure} "
                    f"({attempt + 1} attempts)"
                ) from cause
            delay = self._backoff_delay(attempt)
            log.warning("model server %s: %s; retrying in %.2fs", self._url, failure, delay)
            await asyncio.sleep(delay)

    async def _one_attempt(self, body: dict[str, Any], stops: StopFilter) -> AsyncIterator[str]:
        """One request. Never yields inside a timeout scope: the caller's own work between
        two pieces (sending a sentence to the shopper) must not count as the server's."""
        async with contextlib.AsyncExitStack() as stack:
            try:
                async with asyncio.timeout(self._first_token_timeout_s):
                    response = await stack.enter_async_context(
                        self._http.stream("POST", self._url, json=body)
                    )
                    await _check_status(response)
                    deltas = _deltas(response)
                    first = await _next_visible(deltas, stops)
            except TimeoutError as exc:
                raise _Retryable(
                    f"no reply from {self._url} within {self._first_token_timeout_s:g}s"
                ) from exc
            if first:
                yield first
            while first and not stops.stopped:
                try:
                    async with asyncio.timeout(self._token_timeout_s):
                        delta = await anext(deltas, None)
                except TimeoutError as exc:
                    raise ModelServerUnavailable(
                        f"the model server at {self._url} went silent mid-reply "
                        f"for {self._token_timeout_s:g}s"
                    ) from exc
                if delta is None:
                    break
                visible = stops.feed(delta)
                if visible:
                    yield visible
            if not stops.stopped:
                rest = stops.flush()
                if rest:
                    yield rest

    def _backoff_delay(self, attempt: int) -> float:
        """Exponential backoff with "equal jitter": replicas that failed together do not
        all come back at the same instant."""
        ceiling = min(self._backoff_max_s, self._backoff_s * 2**attempt)
        return ceiling / 2 + self._rng.uniform(0, ceiling / 2)

    def _request_body(
        self, messages: Sequence[ChatMessage], params: GenerationParams
    ) -> dict[str, Any]:
        body: dict[str, Any] = {
            "model": self._model,
            "messages": [{"role": m.role, "content": m.content} for m in messages],
            "stream": True,
            "max_tokens": params.max_new_tokens,
            "temperature": params.temperature,
            "top_p": params.top_p,
        }
        if params.stop:
            body["stop"] = list(params.stop[:_MAX_SERVER_STOPS])
        if params.ignore_eos:
            body["ignore_eos"] = True
        return body

    async def aclose(self) -> None:
        await self._http.aclose()


class _Retryable(Exception):
    """The server answered with a status that says "try again shortly", or not in time."""


# Failures that say the server is unwell (they count against the breaker); a refusal of
# the request itself (HTTP 4xx) does not.
_SERVER_FAULTS = (ModelServerUnavailable, ModelProtocolError)


async def _next_visible(deltas: AsyncIterator[str], stops: StopFilter) -> str:
    """The first text that passes the stop filter ("" when the reply ends without any)."""
    async for delta in deltas:
        visible = stops.feed(delta)
        if visible or stops.stopped:
            return visible
    return ""


async def _check_status(response: httpx.Response) -> None:
    if response.status_code == 200:
        return
    detail = (await response.aread()).decode("utf-8", "replace")[:300]
    if response.status_code in _RETRY_STATUS:
        raise _Retryable(f"HTTP {response.status_code}: {detail}")
    if response.status_code >= 500:
        raise ModelServerUnavailable(
            f"the model server failed: HTTP {response.status_code}: {detail}"
        )
    raise LMError(f"the model server refused the request: HTTP {response.status_code}: {detail}")


async def _deltas(response: httpx.Response) -> AsyncIterator[str]:
    """The text deltas of a chat-completions event stream (or of a plain JSON reply)."""
    content_type = response.headers.get("content-type", "")
    if content_type.startswith("application/json"):
        # Some servers ignore stream=true and answer in one piece.
        yield _message_text(_parse_json(await response.aread()))
        return
    finished = False
    async for data in _sse_data(response.aiter_lines()):
        if data.strip() == "[DONE]":
            return
        chunk = _parse_json(data)
        if "error" in chunk:
            raise ModelServerUnavailable(f"the model server reported an error: {chunk['error']}")
        choices = chunk.get("choices")
        if not isinstance(choices, list):
            raise ModelProtocolError(f"event without choices: {data[:200]!r}")
        for choice in choices:
            delta = choice.get("delta") or {}
            text = delta.get("content")
            if isinstance(text, str) and text:
                yield text
            if choice.get("finish_reason"):
                finished = True
    if not finished:
        raise ModelServerUnavailable("the event stream ended before the reply was complete")


async def _sse_data(lines: AsyncIterator[str]) -> AsyncIterator[str]:
    """The data of each server-sent event (multi-line data joined with newlines)."""
    data: list[str] = []
    seen_event = False
    async for line in lines:
        if not line:
            if data:
                yield "\n".join(data)
                data = []
            continue
        if line.startswith(":"):
            continue  # comment / keep-alive
        field, _, value = line.partition(":")
        value = value.removeprefix(" ")
        if field == "data":
            data.append(value)
            seen_event = True
        elif field not in ("event", "id", "retry") and not seen_event:
            # Tolerated once events flowed (a proxy's oddity); fatal before (not SSE at all).
            raise ModelProtocolError(
                f"the model server did not answer with an event stream: {line[:200]!r}"
            )
    if data:
        yield "\n".join(data)


def _parse_json(raw: str | bytes) -> dict[str, Any]:
    try:
        value = json.loads(raw)
    except ValueError as exc:
        text = raw if isinstance(raw, str) else raw.decode("utf-8", "replace")
        raise ModelProtocolError(f"the model server sent invalid JSON: {text[:200]!r}") from exc
    if not isinstance(value, dict):
        raise ModelProtocolError(f"the model server sent {type(value).__name__}, not an object")
    return value


def _message_text(reply: dict[str, Any]) -> str:
    try:
        text = reply["choices"][0]["message"]["content"]
    except (KeyError, IndexError, TypeError) as exc:
        raise ModelProtocolError(f"reply without choices[0].message: {str(reply)[:200]}") from exc
    return text if isinstance(text, str) else ""
