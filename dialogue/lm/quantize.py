"""Int8 weights for the in-process model on the CPU, where decoding waits on memory.

Decoding one token reads every weight once, so on a CPU its speed is set by how
many bytes the weights take. Two cases:

- **float32 models** (CPUs without native bfloat16): the layers' linear weights
  become dynamically quantized int8 (weights stored as int8, activations quantized
  per call). On two cores this measured 2.2x faster per decoded token and 1.5x
  faster prompt processing for the packaged 0.5B model. Quantizing the output head
  as well gave 3.4x, but with activations quantized per call it is the layer that
  picks each token, so it stays float32.
- **bfloat16 models** (CPUs with AVX512-BF16 or AMX): every linear layer, the head
  included, keeps its bfloat16 weights for prompt processing, where the matrix
  units make bfloat16 faster than any int8 path, and gains a per-channel int8 copy
  for steps of at most `DECODE_MAX_TOKENS` tokens, where reading half the bytes
  wins. Activations stay bfloat16 (weight-only int8), so only the weights are
  rounded. Measured on two AMX cores: 93 → 54 ms per decoded token in a plain
  decode loop (`python -m bench.quantize_bench`), 115 → 90 ms per step inside the
  engine's continuous-batching loop, prompt processing unchanged.

Either way a reply can differ slightly with the conversations decoded beside it:
dynamic quantization scales activations over everything in the batch, and a bfloat16
model reads int8 weights only while few tokens share a step. "none" gives replies
that depend on their own prompt alone.
"""

from __future__ import annotations

import warnings
from typing import Any, Literal

import torch
import torch.nn.functional as F
from torch import nn

QuantizeSetting = Literal["auto", "none", "int8"]

# Above this many tokens in one step the int8 matmul loses to bfloat16 on the matrix
# units (measured crossover on two AMX cores: faster at 4 tokens, slower at 6).
DECODE_MAX_TOKENS = 4
# torch's int8 weight-only kernel reads inputs in blocks of 16: other widths gave wrong
# numbers or crashed the process (torch 2.13), so such layers keep bfloat16 alone.
_INT8_INPUT_MULTIPLE = 16


def wants_int8(setting: str, device: torch.device, dtype: torch.dtype) -> bool:
    if setting not in ("auto", "none", "int8"):
        raise ValueError(f"unknown quantization {setting!r}; use auto, none or int8")
    if setting == "auto":
        return device.type == "cpu" and dtype in (torch.float32, torch.bfloat16)
    return setting == "int8"


def quantize_int8(model: Any) -> Any:
    """The model with int8 linear weights, in the form that pays off for its dtype.

    float32: the layers' nn.Linear replaced by dynamically quantized twins, the output
    head kept (it turns the last hidden state into the scores the next token is picked
    from). bfloat16: every nn.Linear gains an int8 copy used for decoding steps.
    """
    dtype = next(model.parameters()).dtype
    if dtype == torch.bfloat16:
        return _with_decode_int8(model)
    if dtype != torch.float32:
        raise ValueError(f"int8 weights need a float32 or bfloat16 model, not {dtype}")
    head = model.get_output_embeddings()
    layers = {
        name: torch.ao.quantization.default_dynamic_qconfig
        for name, module in model.named_modules()
        if isinstance(module, torch.nn.Linear) and module is not head
    }
    with warnings.catch_warnings():
        # torch marks its eager quantization API for a future removal; torch is pinned
        warnings.simplefilter("ignore")
        return torch.ao.quantization.quantize_dynamic(
            model, layers, dtype=torch.qint8, inplace=True
        )


def int8_kernel_reads(linear: nn.Linear) -> bool:
    return linear.in_features % _INT8_INPUT_MULTIPLE == 0


class DecodeInt8Linear(nn.Module):
    """A bfloat16 linear layer that decodes with a per-channel int8 copy of its weight.

    The bfloat16 weight stays (shared, so tied embeddings stay tied) for steps of more
    than DECODE_MAX_TOKENS tokens: prompt processing and large batches.
    """

    int8_weight: torch.Tensor
    int8_scales: torch.Tensor

    def __init__(self, linear: nn.Linear) -> None:
        super().__init__()
        if not int8_kernel_reads(linear):
            raise ValueError(f"int8 decoding needs inputs in blocks of {_INT8_INPUT_MULTIPLE}")
        self.weight = linear.weight
        self.bias = linear.bias
        weight = linear.weight.detach().float()
        scales = (weight.abs().amax(dim=1) / 127).clamp(min=torch.finfo(torch.float32).tiny)
        int8 = torch.round(weight / scales[:, None]).to(torch.int8)
        self.register_buffer("int8_weight", int8, persistent=False)
        self.register_buffer("int8_scales", scales.to(linear.weight.dtype), persistent=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        width = x.shape[-1]
        if x.numel() > DECODE_MAX_TOKENS * width or x.dtype != self.int8_scales.dtype:
            return F.linear(x, self.weight, self.bias)
        out = torch._weight_int8pack_mm(x.reshape(-1, width), self.int8_weight, self.int8_scales)
        out = out.reshape(*x.shape[:-1], out.shape[-1])
        return out if self.bias is None else out + self.bias


def _with_decode_int8(model: Any) -> Any:
    for parent in list(model.modules()):
        for name, child in list(parent.named_children()):
            if type(child) is nn.Linear and int8_kernel_reads(child):
                setattr(parent, name, DecodeInt8Linear(child))
    return model
