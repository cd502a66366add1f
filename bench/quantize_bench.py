"""Int8 against the loaded weights for the in-process model on this CPU, in one run.

The model loads in the dtype the engine picks here (`--dtype auto`: bfloat16 on
CPUs with AVX512-BF16 or AMX, else float32), then gets int8 weights the way
`dialogue/lm/quantize.py` gives them for that dtype. Prompt processing (a prompt
of 300 and 600 tokens) and decoding (seconds per token with a warm cache) both
ways, with the ratio, and how often the int8 model's greedy reply matches the
other one's on a few shop questions (a quality proxy, not a score).

    python -m bench.quantize_bench [--model packaged:qwen2.5-coder-0.5b-instruct] [--dtype auto]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

import torch
from transformers import AutoModelForCausalLM, AutoTokenizer

from dialogue.lm.packaged_qwen import resolve_model_dir
from dialogue.lm.quantize import quantize_int8
from dialogue.lm.transformers_engine import pick_dtype
from dialogue.settings import DialogueSettings

QUESTIONS = [
    "Is this kettle dishwasher safe? The manual says to hand wash the lid.",
    "这款耳机续航多久？资料：开启降噪约40小时，关闭降噪约60小时。",
    "Does the tent come with stakes? Facts: includes 8 steel stakes and a carry bag.",
    "What sizes does the jacket come in? Facts: sizes S, M, L and XL; colour navy.",
]


def timed_prefill(model: Any, n_tokens: int, repeats: int = 2) -> float:
    ids = torch.randint(100, 20000, (1, n_tokens))
    with torch.inference_mode():
        model(ids)  # warm-up
        start = time.perf_counter()
        for _ in range(repeats):
            model(ids)
    return (time.perf_counter() - start) / repeats


def timed_decode(model: Any, steps: int = 12) -> float:
    with torch.inference_mode():
        past = model(torch.randint(100, 20000, (1, 200)), use_cache=True).past_key_values
        token = torch.tensor([[5]])
        start = time.perf_counter()
        for _ in range(steps):
            past = model(token, past_key_values=past, use_cache=True).past_key_values
    return (time.perf_counter() - start) / steps


def greedy_replies(model: Any, tokenizer: Any) -> list[str]:
    replies = []
    for question in QUESTIONS:
        chat = [{"role": "user", "content": question}]
        ids = tokenizer.apply_chat_template(
            chat, add_generation_prompt=True, return_tensors="pt", return_dict=True
        )["input_ids"]
        with torch.inference_mode():
            out = model.generate(ids, max_new_tokens=32, do_sample=False)
        replies.append(tokenizer.decode(out[0, ids.shape[1] :], skip_special_tokens=True))
    return replies


def measure(model: Any, tokenizer: Any) -> dict[str, Any]:
    return {
        "prefill_300": timed_prefill(model, 300),
        "prefill_600": timed_prefill(model, 600),
        "decode": timed_decode(model),
        "replies": greedy_replies(model, tokenizer),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", default="", help="lm_model spec (default: KEFU_LM_MODEL)")
    parser.add_argument("--dtype", default="auto", help="auto, float32 or bfloat16")
    args = parser.parse_args()
    settings = DialogueSettings()
    model_dir: Path = resolve_model_dir(args.model or settings.lm_model, settings.models_dir)
    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    dtype = pick_dtype(args.dtype, torch.device("cpu"))
    model = AutoModelForCausalLM.from_pretrained(model_dir, dtype=dtype).eval()
    print(f"model {model_dir.name} in {dtype}, {torch.get_num_threads()} threads")
    base = measure(model, tokenizer)
    quantized = measure(quantize_int8(model), tokenizer)
    for key, label in (("prefill_300", "prompt of 300 tokens"),
                       ("prefill_600", "prompt of 600 tokens"),
                       ("decode", "one decoded token")):  # fmt: skip
        ratio = base[key] / quantized[key]
        print(f"{label:<22} as loaded {base[key]:7.3f} s   int8 {quantized[key]:7.3f} s   "
              f"int8 is {ratio:.2f}x faster")  # fmt: skip
    same = sum(a == b for a, b in zip(base["replies"], quantized["replies"], strict=True))
    print(f"greedy replies identical: {same}/{len(QUESTIONS)}")
    for a, b in zip(base["replies"], quantized["replies"], strict=True):
        print(f"  as loaded: {a!r}\n  int8:      {b!r}")


if __name__ == "__main__":
    main()
