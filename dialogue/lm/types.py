"""The messages of the language-model port and the port itself."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from typing import Literal, Protocol, runtime_checkable

Role = Literal["system", "user", "assistant"]


@dataclass(frozen=True)
class ChatMessage:
    role: Role
    content: str


@dataclass(frozen=True)
class GenerationParams:
    """How to decode one reply. temperature 0 means greedy (deterministic)."""

    max_new_tokens: int = 256
    temperature: float = 0.0
    top_p: float = 1.0
    # The reply ends before the first occurrence of any of these strings (not included).
    stop: tuple[str, ...] = ()
    # Decode exactly max_new_tokens, past the end-of-turn token: for benchmarks and tests
    # that need replies of a known length (vLLM's extension of the same name).
    ignore_eos: bool = False

    def __post_init__(self) -> None:
        if self.max_new_tokens < 1:
            raise ValueError("max_new_tokens must be at least 1")
        if self.temperature < 0:
            raise ValueError("temperature must be >= 0")
        if not 0 < self.top_p <= 1:
            raise ValueError("top_p must be in (0, 1]")

    @property
    def greedy(self) -> bool:
        return self.temperature == 0


@runtime_checkable
class LanguageModel(Protocol):
    """A chat model that streams its reply as text deltas.

    `stream` is an async generator: closing it early (the shopper left) cancels
    the generation. Errors are `dialogue.lm.errors.LMError` subclasses.
    """

    @property
    def name(self) -> str: ...

    @property
    def context_window(self) -> int:
        """Prompt plus reply, in tokens."""
        ...

    def count_tokens(self, text: str) -> int:
        """Tokens of `text` alone, without chat-template overhead."""
        ...

    def stream(
        self, messages: Sequence[ChatMessage], params: GenerationParams
    ) -> AsyncIterator[str]: ...

    async def aclose(self) -> None:
        """Release threads, connections and memory. Idempotent."""
        ...
