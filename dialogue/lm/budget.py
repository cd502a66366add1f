"""Fit a chat prompt into the model's context window, leaving room for the reply.

What goes first when the prompt is too long: the oldest conversation turns, then the
tail of the retrieved facts. The system instructions and the shopper's latest message
are never cut; if those alone do not fit, `PromptTooLong` says so.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from dialogue.lm.errors import PromptTooLong
from dialogue.lm.types import ChatMessage

# Tokens the chat template wraps around each message ("<|im_start|>user\n" … "<|im_end|>\n")
# plus the generation prompt; Qwen's template uses 5, kept generous for other templates.
MESSAGE_OVERHEAD = 8


@dataclass(frozen=True)
class Budget:
    context_window: int
    reply_tokens: int  # reserved for the answer (GenerationParams.max_new_tokens)

    @property
    def prompt_tokens(self) -> int:
        return self.context_window - self.reply_tokens


@dataclass(frozen=True)
class FittedPrompt:
    messages: tuple[ChatMessage, ...]
    prompt_tokens: int  # estimate, template overhead included
    dropped_turns: int  # history messages left out, oldest first
    facts_truncated: bool


def message_tokens(message: ChatMessage, count: Callable[[str], int]) -> int:
    return count(message.content) + MESSAGE_OVERHEAD


def fit_prompt(
    system: str,
    history: Sequence[ChatMessage],
    user: str,
    budget: Budget,
    count: Callable[[str], int],
    *,
    facts: str = "",
) -> FittedPrompt:
    """Build `[system + facts, *recent history, user]` within `budget.prompt_tokens`.

    `count` is the model's `count_tokens`. Facts are appended to the system message
    (cut at a line boundary if needed); history keeps whole messages, newest first.
    """
    fixed = count(system) + count(user) + 3 * MESSAGE_OVERHEAD  # + generation prompt
    if fixed > budget.prompt_tokens:
        raise PromptTooLong(
            f"system prompt and message need {fixed} tokens; only {budget.prompt_tokens} "
            f"of the {budget.context_window}-token context are left after the reply"
        )
    left = budget.prompt_tokens - fixed

    kept_facts, facts_truncated = _fit_lines(facts, left, count)
    if kept_facts:
        left -= count("\n\n" + kept_facts)

    kept: list[ChatMessage] = []
    for message in reversed(history):
        cost = message_tokens(message, count)
        if cost > left:
            break
        kept.append(message)
        left -= cost
    kept.reverse()

    system_text = f"{system}\n\n{kept_facts}" if kept_facts else system
    messages = (ChatMessage("system", system_text), *kept, ChatMessage("user", user))
    return FittedPrompt(
        messages=messages,
        prompt_tokens=budget.prompt_tokens - left,
        dropped_turns=len(history) - len(kept),
        facts_truncated=facts_truncated,
    )


def _fit_lines(text: str, limit: int, count: Callable[[str], int]) -> tuple[str, bool]:
    """The longest prefix of whole lines of `text` within `limit` tokens."""
    if not text or count("\n\n" + text) <= limit:
        return text, False
    lines = text.splitlines()
    lo, hi = 0, len(lines)  # binary search on the number of lines kept
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if count("\n\n" + "\n".join(lines[:mid])) <= limit:
            lo = mid
        else:
            hi = mid - 1
    return "\n".join(lines[:lo]), True
