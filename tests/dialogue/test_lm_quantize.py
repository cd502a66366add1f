"""Int8 decoding weights beside bfloat16 ones: small steps read int8, prompts stay bfloat16."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from dialogue.lm.errors import ModelNotAvailable
from dialogue.lm.quantize import DECODE_MAX_TOKENS, DecodeInt8Linear, quantize_int8
from dialogue.lm.transformers_engine import TransformersEngine
from dialogue.lm.types import GenerationParams
from tests.dialogue.lm_reference import chat


def _bf16_linear(bias: bool = True, outputs: int = 96) -> torch.nn.Linear:
    torch.manual_seed(0)
    return torch.nn.Linear(64, outputs, bias=bias).to(torch.bfloat16)


@pytest.mark.parametrize(("bias", "outputs"), [(True, 96), (False, 96), (True, 37)])
def test_decoding_steps_stay_close_to_the_bfloat16_layer(bias: bool, outputs: int) -> None:
    linear = _bf16_linear(bias, outputs)
    int8 = DecodeInt8Linear(linear)
    for tokens in range(1, DECODE_MAX_TOKENS + 1):
        x = torch.randn(1, tokens, 64).to(torch.bfloat16)
        exact, rounded = linear(x).float(), int8(x).float()
        assert rounded.shape == exact.shape
        assert not torch.equal(rounded, exact), "a decoding step reads the int8 copy"
        # per-channel int8 keeps each weight within half a step of 1/127 of its row's max
        assert (rounded - exact).abs().max() < 0.05 * exact.abs().max()


def test_prompt_steps_use_the_bfloat16_weight_exactly() -> None:
    linear = _bf16_linear()
    int8 = DecodeInt8Linear(linear)
    x = torch.randn(2, DECODE_MAX_TOKENS, 64).to(torch.bfloat16)  # 8 tokens in one step
    assert torch.equal(int8(x), linear(x))
    assert int8.weight is linear.weight, "the weight is shared, so tied embeddings stay tied"


def test_layers_the_int8_kernel_cannot_read_keep_bfloat16_alone() -> None:
    # the kernel reads inputs in blocks of 16; a width of 100 gave wrong numbers
    model = torch.nn.Sequential(torch.nn.Linear(100, 64), torch.nn.Linear(64, 100))
    quantize_int8(model.to(torch.bfloat16))
    assert type(model[0]) is torch.nn.Linear
    assert isinstance(model[1], DecodeInt8Linear)
    with pytest.raises(ValueError, match="blocks of 16"):
        DecodeInt8Linear(torch.nn.Linear(100, 8).to(torch.bfloat16))


def test_a_bfloat16_model_gains_int8_copies_of_every_linear_layer(tiny_lm_dir: Path) -> None:
    engine = TransformersEngine.load(tiny_lm_dir, device="cpu", dtype="bfloat16")
    model = engine.model
    assert not any(type(m) is torch.nn.Linear for m in model.modules())
    head = model.get_output_embeddings()
    assert isinstance(head, DecodeInt8Linear)
    assert head.weight.dtype == torch.bfloat16
    kept = TransformersEngine.load(tiny_lm_dir, device="cpu", dtype="bfloat16", quantize="none")
    assert not any(isinstance(m, DecodeInt8Linear) for m in kept.model.modules())


async def test_a_bfloat16_model_with_int8_copies_generates(tiny_lm_dir: Path) -> None:
    engine = TransformersEngine.load(tiny_lm_dir, device="cpu", dtype="bfloat16")
    try:
        params = GenerationParams(max_new_tokens=12, ignore_eos=True)
        pieces = [piece async for piece in engine.stream(chat("hello, 耳机多少钱？"), params)]
        assert "".join(pieces)
    finally:
        await engine.aclose()


def test_other_dtypes_are_refused(tiny_lm_dir: Path) -> None:
    model = torch.nn.Sequential(torch.nn.Linear(8, 8).to(torch.float16))
    with pytest.raises(ValueError, match="float32 or bfloat16"):
        quantize_int8(model)
    with pytest.raises(ModelNotAvailable, match="float32 or bfloat16"):
        TransformersEngine.load(tiny_lm_dir, device="cpu", dtype="float16", quantize="int8")
