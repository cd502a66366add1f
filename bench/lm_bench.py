"""Language-model throughput: 8 concurrent conversations through the engine vs 8 `generate` calls.

    python -m bench.lm_bench            # the packaged Qwen2.5-Coder-0.5B-Instruct
    python -m bench.lm_bench --tiny     # a tiny random model, for a quick run

Both sides decode the same prompts greedily for exactly --max-new-tokens tokens
(the end-of-turn token is ignored), in the same process on the same model weights,
so tokens/s are comparable and the replies must match token for token. The
sequential side is plain `model.generate`, one conversation after another; the
concurrent side is `TransformersEngine.stream`, all conversations at once, which
the continuous-batching decode loop serves together. Time to first token (TTFT) is
measured from the moment all eight shoppers ask (t=0): sequentially, the last one
waits for seven full replies; its own prefill time is shown beside it.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import torch

from dialogue.lm.packaged_qwen import resolve_model_dir
from dialogue.lm.transformers_engine import TransformersEngine
from dialogue.lm.types import ChatMessage, GenerationParams
from dialogue.settings import DialogueSettings

SYSTEM = "你是一家网店的客服助手。You are the shop's assistant: answer briefly and politely."
QUESTIONS = [
    "这款蓝牙耳机的续航时间是多久？",
    "Do you ship to Hong Kong, and how long does delivery take?",
    "我想退货，七天无理由退货怎么操作？",
    "Which running shoes under 500 yuan do you recommend for flat feet?",
    "订单号 A20231108 什么时候发货？",
    "Is the down jacket machine washable? What size should I pick at 175 cm?",
    "有没有适合送给妈妈的生日礼物推荐？预算三百元左右。",
    "Can I use two coupons on one order?",
]


class _FirstTokenClock:
    """A `generate` streamer that notes when the first new token arrives."""

    def __init__(self) -> None:
        self.calls = 0
        self.first_token_at: float | None = None

    def put(self, value: Any) -> None:
        self.calls += 1
        if self.calls == 2 and self.first_token_at is None:  # call 1 carries the prompt
            self.first_token_at = time.perf_counter()

    def end(self) -> None:
        pass


def messages_for(question: str) -> list[ChatMessage]:
    return [ChatMessage("system", SYSTEM), ChatMessage("user", question)]


def run_sequential(engine: TransformersEngine, n_tokens: int) -> dict[str, Any]:
    model, tokenizer = engine.model, engine.tokenizer
    replies, ttfts, own = [], [], []
    cpu_started = time.process_time()
    started = time.perf_counter()
    for question in QUESTIONS:
        ids = torch.tensor([engine.encode_chat(messages_for(question))], device=model.device)
        clock = _FirstTokenClock()
        t0 = time.perf_counter()
        with torch.inference_mode():
            out = model.generate(
                ids,
                max_new_tokens=n_tokens,
                eos_token_id=[],  # decode past the end of turn, as ignore_eos does
                do_sample=False,
                pad_token_id=tokenizer.pad_token_id,
                streamer=clock,
            )
        first = clock.first_token_at or time.perf_counter()
        ttfts.append(first - started)
        own.append(first - t0)
        replies.append(tokenizer.decode(out[0, ids.shape[1] :], skip_special_tokens=True))
    wall = time.perf_counter() - started
    cpu = time.process_time() - cpu_started
    return {"wall": wall, "cpu": cpu, "ttft": ttfts, "own_ttft": own, "replies": replies}


async def run_concurrent(engine: TransformersEngine, n_tokens: int) -> dict[str, Any]:
    params = GenerationParams(max_new_tokens=n_tokens, ignore_eos=True)
    ttfts: list[float] = [0.0] * len(QUESTIONS)

    async def one(i: int) -> str:
        t0 = time.perf_counter()
        parts = []
        async for delta in engine.stream(messages_for(QUESTIONS[i]), params):
            if not parts:
                ttfts[i] = time.perf_counter() - t0
            parts.append(delta)
        return "".join(parts)

    cpu_started = time.process_time()
    started = time.perf_counter()
    replies = await asyncio.gather(*(one(i) for i in range(len(QUESTIONS))))
    wall = time.perf_counter() - started
    cpu = time.process_time() - cpu_started
    return {"wall": wall, "cpu": cpu, "ttft": ttfts, "replies": list(replies)}


async def warm_up(engine: TransformersEngine) -> None:
    """Start the decode thread and touch every code path once, outside the timings."""
    params = GenerationParams(max_new_tokens=2)
    await asyncio.gather(*(_drain(engine, q, params) for q in QUESTIONS[:2]))
    ids = torch.tensor([engine.encode_chat(messages_for(QUESTIONS[0]))], device=engine.model.device)
    with torch.inference_mode():
        engine.model.generate(ids, max_new_tokens=2, do_sample=False)


async def _drain(engine: TransformersEngine, question: str, params: GenerationParams) -> None:
    async for _ in engine.stream(messages_for(question), params):
        pass


def load_engine(args: argparse.Namespace, scratch: Path) -> TransformersEngine:
    if args.tiny:
        from dialogue.lm.tiny import build_tiny_chat_model

        model_dir = build_tiny_chat_model(scratch / "tiny")
        name = "tiny-random-qwen2"
    else:
        settings = DialogueSettings()
        spec = args.model or settings.lm_model
        model_dir = resolve_model_dir(spec, settings.models_dir)
        name = spec.removeprefix("packaged:")
    return TransformersEngine.load(
        model_dir,
        name=name,
        device=args.device,
        dtype=args.dtype,
        quantize=args.quantize,
        max_batch=8,
    )


def report(label: str, result: dict[str, Any], n_tokens: int) -> tuple[float, float]:
    """Prints one line; returns tokens per wall second and per CPU second.

    CPU seconds (all threads of this process) show the work done even when other
    processes share the cores and stretch the wall-clock time.
    """
    tokens = len(QUESTIONS) * n_tokens
    rate, cpu_rate = tokens / result["wall"], tokens / result["cpu"]
    ttft = result["ttft"]
    line = (
        f"{label:<27} {tokens:>4} tok {result['wall']:>7.1f} s {rate:>7.1f} tok/s "
        f"({cpu_rate:.2f} tok per CPU-s)   "
        f"TTFT median {statistics.median(ttft):.2f} s, max {max(ttft):.2f} s"
    )
    if "own_ttft" in result:
        line += f" (prefill alone: median {statistics.median(result['own_ttft']):.2f} s)"
    print(line)
    return rate, cpu_rate


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tiny", action="store_true", help="a tiny random model instead")
    parser.add_argument("--model", default="", help="lm_model spec (default: KEFU_LM_MODEL)")
    parser.add_argument("--device", default="auto")
    parser.add_argument("--dtype", default="auto", help="auto, float32, bfloat16")
    parser.add_argument("--quantize", default="auto", help="auto, none or int8 (CPU)")
    parser.add_argument("--max-new-tokens", type=int, default=64)
    args = parser.parse_args()

    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="kefu-lm-bench-") as scratch:
        engine = load_engine(args, Path(scratch))  # the weights are in memory once loaded
    print(
        f"model {engine.name} on {engine.device}, {torch.get_num_threads()} torch threads, "
        f"loaded in {time.perf_counter() - started:.1f} s; {len(QUESTIONS)} conversations x "
        f"{args.max_new_tokens} new tokens, greedy"
    )
    try:
        await warm_up(engine)
        sequential = run_sequential(engine, args.max_new_tokens)
        seq_rate, seq_cpu = report("sequential generate()", sequential, args.max_new_tokens)
        concurrent = await run_concurrent(engine, args.max_new_tokens)
        cb_rate, cb_cpu = report("concurrent engine.stream()", concurrent, args.max_new_tokens)
    finally:
        await engine.aclose()
    same = sum(a == b for a, b in zip(sequential["replies"], concurrent["replies"], strict=True))
    print(
        f"speed-up {cb_rate / seq_rate:.2f}x wall-clock, {cb_cpu / seq_cpu:.2f}x per CPU-second "
        f"(target >= 3x); identical replies {same}/{len(QUESTIONS)}"
    )


if __name__ == "__main__":
    asyncio.run(main())
