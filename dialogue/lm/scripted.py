"""A scripted `LanguageModel` for tests of the dialogue pipeline: no model, exact replies."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Callable, Sequence

from dialogue.lm.stops import StopFilter
from dialogue.lm.types import ChatMessage, GenerationParams

Reply = str | Callable[[Sequence[ChatMessage]], str]
# Words and single CJK characters, each with its following whitespace: a rough stand-in
# for a tokenizer that makes deltas and counts look like a real model's.
_TOKEN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]|[^\s\u3400-\u9fff\uf900-\ufaff]+\s*|\s+")


def split_tokens(text: str) -> list[str]:
    return _TOKEN.findall(text)


class ScriptedLM:
    """Replies from a script, streamed one pseudo-token at a time.

    `replies` are used in order (a callable gets the messages and returns the reply);
    after the last one, `default` is repeated. Every call is recorded in `calls`.
    """

    def __init__(
        self,
        replies: Sequence[Reply] = (),
        *,
        default: Reply = "",
        delay_s: float = 0.0,
        first_token_delay_s: float = 0.0,
        context_window: int = 4096,
        name: str = "scripted",
        fail_with: Exception | None = None,
    ) -> None:
        self._replies = list(replies)
        self._default = default
        self.delay_s = delay_s
        self.first_token_delay_s = first_token_delay_s
        self._context_window = context_window
        self._name = name
        self.fail_with = fail_with
        self.calls: list[tuple[tuple[ChatMessage, ...], GenerationParams]] = []
        self.cancelled = 0  # streams closed before their last token
        self.closed = False

    @property
    def name(self) -> str:
        return self._name

    @property
    def context_window(self) -> int:
        return self._context_window

    def count_tokens(self, text: str) -> int:
        return len(split_tokens(text))

    async def stream(
        self, messages: Sequence[ChatMessage], params: GenerationParams
    ) -> AsyncIterator[str]:
        self.calls.append((tuple(messages), params))
        if self.fail_with is not None:
            raise self.fail_with
        reply = self._replies.pop(0) if self._replies else self._default
        text = reply(messages) if callable(reply) else reply
        tokens = split_tokens(text)[: params.max_new_tokens]
        stops = StopFilter(params.stop)
        finished = False
        try:
            if self.first_token_delay_s:
                await asyncio.sleep(self.first_token_delay_s)
            for token in tokens:
                if self.delay_s:
                    await asyncio.sleep(self.delay_s)
                visible = stops.feed(token)
                if visible:
                    yield visible
                if stops.stopped:
                    break
            rest = stops.flush()
            if rest:
                yield rest
            finished = True
        finally:
            if not finished:
                self.cancelled += 1

    async def aclose(self) -> None:
        self.closed = True
