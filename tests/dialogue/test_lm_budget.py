"""Fitting prompts into the context window: what is kept, what is dropped."""

from __future__ import annotations

import pytest

from dialogue.lm.budget import MESSAGE_OVERHEAD, Budget, fit_prompt
from dialogue.lm.errors import PromptTooLong
from dialogue.lm.scripted import split_tokens
from dialogue.lm.types import ChatMessage


def count(text: str) -> int:
    return len(split_tokens(text))


def turns(n: int) -> list[ChatMessage]:
    return [
        ChatMessage("user" if i % 2 == 0 else "assistant", f"turn {i} " + "word " * 10)
        for i in range(n)
    ]


def test_everything_fits_in_a_large_window() -> None:
    history = turns(4)
    fitted = fit_prompt("Be brief.", history, "退货政策？", Budget(4096, 256), count, facts="a\nb")
    assert fitted.messages[0] == ChatMessage("system", "Be brief.\n\na\nb")
    assert fitted.messages[1:-1] == tuple(history)
    assert fitted.messages[-1] == ChatMessage("user", "退货政策？")
    assert fitted.dropped_turns == 0
    assert not fitted.facts_truncated


def test_oldest_turns_go_first_and_the_estimate_stays_within_budget() -> None:
    history = turns(10)  # 11 words + overhead each
    budget = Budget(context_window=160, reply_tokens=40)
    fitted = fit_prompt("Be brief.", history, "hello", budget, count)
    kept = fitted.messages[1:-1]
    assert 0 < len(kept) < len(history)
    assert kept == tuple(history[-len(kept) :])  # the most recent ones
    assert fitted.dropped_turns == len(history) - len(kept)
    assert fitted.prompt_tokens <= budget.prompt_tokens
    total = sum(count(m.content) + MESSAGE_OVERHEAD for m in fitted.messages) + MESSAGE_OVERHEAD
    assert total == fitted.prompt_tokens


def test_facts_are_cut_at_line_boundaries_before_the_system_prompt() -> None:
    facts = "\n".join(f"fact {i}: price 99 yuan" for i in range(50))
    budget = Budget(context_window=120, reply_tokens=20)
    fitted = fit_prompt("Use the facts.", [], "price?", budget, count, facts=facts)
    system = fitted.messages[0].content
    assert system.startswith("Use the facts.\n\nfact 0: price 99 yuan")
    assert fitted.facts_truncated
    kept_lines = system.split("\n\n", 1)[1].splitlines()
    assert kept_lines == facts.splitlines()[: len(kept_lines)]
    assert fitted.prompt_tokens <= budget.prompt_tokens
    # one more line would not have fitted
    longer = "\n".join(facts.splitlines()[: len(kept_lines) + 1])
    fixed = count("Use the facts.\n\n" + longer) + count("price?") + 3 * MESSAGE_OVERHEAD
    assert fixed > budget.prompt_tokens


def test_system_and_message_that_cannot_fit_raise() -> None:
    with pytest.raises(PromptTooLong, match="only 10"):
        fit_prompt("word " * 50, [], "hello", Budget(60, 50), count)
