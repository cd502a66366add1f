"""The in-process engine over a tiny random Qwen2 model: batching, streaming, cancellation."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest
from transformers import AutoTokenizer

from dialogue.lm.errors import ModelNotAvailable, PromptTooLong
from dialogue.lm.transformers_engine import TransformersEngine, _Detokenizer
from dialogue.lm.types import GenerationParams
from tests.dialogue.lm_reference import chat, reference_replies

PROMPTS = [
    "hello, where is my order?",
    "你好，耳机多少钱？",
    "Do you ship to Shanghai? 包邮吗",
    "这件外套防水吗",
]
GREEDY = GenerationParams(max_new_tokens=24)


async def collect(engine: TransformersEngine, text: str, params: GenerationParams) -> str:
    return "".join([delta async for delta in engine.stream(chat(text), params)])


async def wait_idle(engine: TransformersEngine, timeout_s: float = 1.0) -> None:
    deadline = time.monotonic() + timeout_s
    while engine.pending_requests() and time.monotonic() < deadline:
        await asyncio.sleep(0.02)
    assert engine.pending_requests() == 0


async def test_concurrent_streams_match_sequential_greedy_generate(
    tiny_engine: TransformersEngine, tiny_lm_dir: Path
) -> None:
    expected = reference_replies(tiny_lm_dir, PROMPTS, GREEDY.max_new_tokens)
    order: list[int] = []  # which conversation each delta belonged to, in arrival order

    async def one(i: int) -> str:
        parts = []
        async for delta in tiny_engine.stream(chat(PROMPTS[i]), GREEDY):
            order.append(i)
            parts.append(delta)
        return "".join(parts)

    got = await asyncio.gather(*(one(i) for i in range(len(PROMPTS))))

    assert got == expected
    assert all(expected), "the reference replies should not be empty"
    # Decoded together: every conversation had produced text before the first one ended.
    first_done = min(max(j for j, k in enumerate(order) if k == i) for i in range(len(PROMPTS)))
    assert set(order[: first_done + 1]) == set(range(len(PROMPTS)))


async def test_greedy_requests_stay_greedy_beside_sampled_ones(
    tiny_engine: TransformersEngine, tiny_lm_dir: Path
) -> None:
    expected = reference_replies(tiny_lm_dir, PROMPTS[:2], GREEDY.max_new_tokens)
    sampled = GenerationParams(max_new_tokens=24, temperature=1.5, top_p=0.95)
    got = await asyncio.gather(
        collect(tiny_engine, PROMPTS[0], GREEDY),
        collect(tiny_engine, PROMPTS[2], sampled),
        collect(tiny_engine, PROMPTS[1], GREEDY),
        collect(tiny_engine, PROMPTS[3], sampled),
    )
    assert [got[0], got[2]] == expected


async def test_sampling_varies_between_calls(tiny_engine: TransformersEngine) -> None:
    params = GenerationParams(max_new_tokens=16, temperature=2.0)
    replies = {await collect(tiny_engine, PROMPTS[0], params) for _ in range(4)}
    assert len(replies) > 1


async def test_closing_the_stream_cancels_the_request(tiny_engine: TransformersEngine) -> None:
    endless = GenerationParams(max_new_tokens=1900, ignore_eos=True)  # seconds of decoding
    stream = tiny_engine.stream(chat(PROMPTS[0]), endless)
    first = [await anext(stream) for _ in range(3)]
    assert all(first)
    assert tiny_engine.pending_requests() == 1
    await stream.aclose()  # what a web handler does when the shopper disconnects
    await wait_idle(tiny_engine)
    # The slot is free and the decode loop still serves new conversations.
    assert await collect(tiny_engine, PROMPTS[1], GREEDY)


async def test_cancelling_the_task_cancels_the_request(tiny_engine: TransformersEngine) -> None:
    started = asyncio.Event()

    async def consume() -> None:
        endless = GenerationParams(max_new_tokens=1900, ignore_eos=True)
        async for _ in tiny_engine.stream(chat(PROMPTS[2]), endless):
            started.set()

    task = asyncio.create_task(consume())
    await asyncio.wait_for(started.wait(), timeout=30)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    await wait_idle(tiny_engine)


async def test_event_loop_keeps_running_while_the_model_decodes(
    tiny_engine: TransformersEngine,
) -> None:
    ticks = 0
    done = False

    async def ticker() -> None:
        nonlocal ticks
        while not done:
            ticks += 1
            await asyncio.sleep(0.005)

    tick_task = asyncio.create_task(ticker())
    started = time.monotonic()
    await collect(tiny_engine, PROMPTS[0], GenerationParams(max_new_tokens=200))
    elapsed = time.monotonic() - started
    done = True
    await tick_task
    # A blocked loop would tick once or twice; a free one about every 5 ms.
    assert ticks >= max(3, elapsed / 0.005 / 4)


async def test_ignore_eos_decodes_exactly_max_new_tokens(tiny_engine: TransformersEngine) -> None:
    params = GenerationParams(max_new_tokens=300, ignore_eos=True)
    text = await collect(tiny_engine, PROMPTS[1], params)
    short = await collect(tiny_engine, PROMPTS[1], GenerationParams(max_new_tokens=300))
    assert len(text) > len(short)  # the plain reply ends at its end-of-turn token
    assert text.startswith(short)


async def test_stop_strings_cut_the_reply(tiny_engine: TransformersEngine) -> None:
    full = await collect(tiny_engine, PROMPTS[1], GREEDY)
    assert len(full) > 8
    stop = full[5:8]
    cut = await collect(tiny_engine, PROMPTS[1], GenerationParams(max_new_tokens=24, stop=(stop,)))
    assert cut == full[: full.index(stop)]


async def test_prompt_longer_than_the_context_is_refused(tiny_lm_dir: Path) -> None:
    engine = TransformersEngine.load(tiny_lm_dir, device="cpu", context_window=48)
    try:
        assert engine.context_window == 48
        with pytest.raises(PromptTooLong):
            await collect(engine, "hello " * 100, GREEDY)
    finally:
        await engine.aclose()


def test_counts_tokens_and_knows_its_window(tiny_engine: TransformersEngine) -> None:
    assert tiny_engine.context_window == 2048  # the tiny config's max_position_embeddings
    assert tiny_engine.count_tokens("") == 0
    assert 0 < tiny_engine.count_tokens("hello") <= tiny_engine.count_tokens("hello hello")
    assert tiny_engine.name == "tiny"
    assert tiny_engine.device == "cpu"


def test_chinese_text_streams_without_broken_characters(tiny_lm_dir: Path) -> None:
    tokenizer = AutoTokenizer.from_pretrained(tiny_lm_dir)
    text = "你好，这款降噪耳机续航多久？Battery 30 小时。"
    ids = tokenizer.encode(text, add_special_tokens=False)
    assert len(ids) > len(text) // 2, "byte-level pieces should split some characters"
    detok = _Detokenizer(tokenizer, eos_ids=[])
    deltas = [detok.update(ids[:n], final=n == len(ids)) for n in range(1, len(ids) + 1)]
    assert "".join(deltas) == text
    assert not any("\ufffd" in d for d in deltas)


def test_loading_a_directory_without_a_model_fails_clearly(tmp_path: Path) -> None:
    with pytest.raises(ModelNotAvailable, match="cannot load"):
        TransformersEngine.load(tmp_path, device="cpu")


def test_dtype_choices() -> None:
    import torch

    from dialogue.lm.transformers_engine import pick_dtype

    cpu = torch.device("cpu")
    assert pick_dtype("float32", cpu) == torch.float32
    assert pick_dtype("auto", cpu) in (torch.float32, torch.bfloat16)
    with pytest.raises(ModelNotAvailable, match="unknown dtype"):
        pick_dtype("int3", cpu)


async def test_float32_on_the_cpu_runs_with_int8_weights_by_default(tiny_lm_dir: Path) -> None:
    import torch

    engine = TransformersEngine.load(tiny_lm_dir, device="cpu", dtype="float32")
    try:
        model = engine.model
        layers = list(model.model.layers.modules())
        assert not any(isinstance(m, torch.nn.Linear) for m in layers)
        assert any(isinstance(m, torch.ao.nn.quantized.dynamic.Linear) for m in layers)
        assert isinstance(model.get_output_embeddings(), torch.nn.Linear)  # the head stays
        assert engine.model.get_input_embeddings().weight.dtype == torch.float32
        reply = await collect(engine, PROMPTS[0], GREEDY)
        assert reply, "the int8 model still generates"
    finally:
        await engine.aclose()
    kept = TransformersEngine.load(tiny_lm_dir, device="cpu", dtype="float32", quantize="none")
    try:
        assert any(isinstance(m, torch.nn.Linear) for m in kept.model.modules())
    finally:
        await kept.aclose()
    with pytest.raises(ModelNotAvailable, match="unknown quantization"):
        TransformersEngine.load(tiny_lm_dir, device="cpu", quantize="int3")
