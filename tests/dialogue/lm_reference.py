"""Greedy reference replies from plain `generate`, shared by the engine and HTTP tests."""

from __future__ import annotations

from pathlib import Path

import torch
from transformers import AutoModelForCausalLM, AutoTokenizer

from dialogue.lm.types import ChatMessage


def chat(text: str) -> list[ChatMessage]:
    return [ChatMessage("system", "You are a shop assistant."), ChatMessage("user", text)]


def reference_replies(model_dir: Path, prompts: list[str], max_new_tokens: int) -> list[str]:
    """One plain `generate` call per prompt, greedy, one after another."""
    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    model = AutoModelForCausalLM.from_pretrained(model_dir, dtype=torch.float32).eval()
    eos = tokenizer.convert_tokens_to_ids(["<|im_end|>", "<|endoftext|>"])
    replies = []
    for text in prompts:
        messages = [{"role": m.role, "content": m.content} for m in chat(text)]
        ids = tokenizer.apply_chat_template(
            messages, add_generation_prompt=True, tokenize=True, return_dict=False
        )
        out = model.generate(
            torch.tensor([ids]),
            max_new_tokens=max_new_tokens,
            do_sample=False,
            eos_token_id=eos,
            pad_token_id=eos[1],
        )
        new = [t for t in out[0, len(ids) :].tolist() if t not in eos]
        replies.append(tokenizer.decode(new, skip_special_tokens=True))
    return replies
