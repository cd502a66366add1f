"""One contract for every `LanguageModel`: the scripted fake, the engine, the HTTP client."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from dialogue.lm.openai_client import OpenAIChatClient
from dialogue.lm.scripted import ScriptedLM
from dialogue.lm.transformers_engine import TransformersEngine
from dialogue.lm.types import ChatMessage, GenerationParams, LanguageModel

MESSAGES = [ChatMessage("system", "You are a shop assistant."), ChatMessage("user", "你好 hello")]
GREEDY = GenerationParams(max_new_tokens=16)


@pytest.fixture(params=["scripted", "transformers", "openai"])
async def lm(request: pytest.FixtureRequest, tiny_lm_dir: Path) -> AsyncIterator[LanguageModel]:
    model: LanguageModel
    if request.param == "scripted":
        model = ScriptedLM(default="您好！请问想买什么？ Happy to help you find headphones today.")
    elif request.param == "transformers":
        model = TransformersEngine.load(tiny_lm_dir, name="tiny", device="cpu", max_batch=2)
    else:
        served_url = request.getfixturevalue("served_url")
        model = OpenAIChatClient(served_url, str(tiny_lm_dir))
    yield model
    await model.aclose()
    await model.aclose()  # closing twice is harmless


async def reply(lm: LanguageModel, params: GenerationParams = GREEDY) -> list[str]:
    return [delta async for delta in lm.stream(MESSAGES, params)]


def test_describes_itself(lm: LanguageModel) -> None:
    assert isinstance(lm, LanguageModel)
    assert lm.name
    assert lm.context_window > 0
    assert lm.count_tokens("") == 0
    assert 0 < lm.count_tokens("退货") <= lm.count_tokens("退货政策 return policy")


async def test_streams_text_deltas_deterministically_when_greedy(lm: LanguageModel) -> None:
    first = await reply(lm)
    assert first and all(isinstance(d, str) and d for d in first)
    assert "".join(await reply(lm)) == "".join(first)


async def test_respects_max_new_tokens(lm: LanguageModel) -> None:
    short = "".join(await reply(lm, GenerationParams(max_new_tokens=3)))
    longer = "".join(await reply(lm, GenerationParams(max_new_tokens=12)))
    assert short
    assert len(short) < len(longer)


async def test_closing_a_stream_early_leaves_the_model_usable(lm: LanguageModel) -> None:
    stream = lm.stream(MESSAGES, GenerationParams(max_new_tokens=64))
    assert await anext(stream)
    await stream.aclose()
    assert await reply(lm)


async def test_stop_strings_end_the_reply(lm: LanguageModel) -> None:
    full = "".join(await reply(lm)).replace("\ufffd", "")
    stop = full[3:5]
    assert len(stop) == 2
    cut = "".join(await reply(lm, GenerationParams(max_new_tokens=16, stop=(stop,))))
    assert cut.replace("\ufffd", "") == full[: full.index(stop)]
