"""The scripted fake that other dialogue tests drive."""

from __future__ import annotations

import time

import pytest

from dialogue.lm.errors import ModelServerUnavailable
from dialogue.lm.scripted import ScriptedLM, split_tokens
from dialogue.lm.types import ChatMessage, GenerationParams

ASK = [ChatMessage("user", "耳机多少钱?")]


async def reply(lm: ScriptedLM, params: GenerationParams | None = None) -> list[str]:
    return [d async for d in lm.stream(ASK, params or GenerationParams())]


async def test_replies_in_order_then_the_default_token_by_token() -> None:
    lm = ScriptedLM(["这款耳机 299 元。", lambda msgs: f"echo: {msgs[-1].content}"], default="?")
    assert await reply(lm) == ["这", "款", "耳", "机", " ", "299 ", "元", "。"]
    assert "".join(await reply(lm)) == "echo: 耳机多少钱?"
    assert await reply(lm) == ["?"]
    assert [call[0] for call in lm.calls] == [tuple(ASK)] * 3


async def test_max_new_tokens_and_stops_apply() -> None:
    lm = ScriptedLM(default="one two three four")
    assert "".join(await reply(lm, GenerationParams(max_new_tokens=2))) == "one two "
    assert "".join(await reply(lm, GenerationParams(stop=("thr",)))) == "one two "


async def test_delays_are_real_and_early_close_is_counted() -> None:
    lm = ScriptedLM(default="a b c d e f", delay_s=0.02)
    started = time.monotonic()
    stream = lm.stream(ASK, GenerationParams())
    assert await anext(stream) == "a "
    await stream.aclose()
    assert lm.cancelled == 1
    assert time.monotonic() - started >= 0.02


async def test_can_fail_like_a_dead_server() -> None:
    lm = ScriptedLM(fail_with=ModelServerUnavailable("down"))
    with pytest.raises(ModelServerUnavailable):
        await reply(lm)


def test_token_split_counts_cjk_characters_and_words() -> None:
    assert split_tokens("退货 policy ok") == ["退", "货", " ", "policy ", "ok"]
    assert ScriptedLM().count_tokens("退货 policy") == 4
