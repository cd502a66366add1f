"""Int8 weights for the in-process model on CPUs without native bfloat16.

On such CPUs the model runs in float32, and decoding is bound by reading the
weights: dynamic int8 quantization of the layers' linear weights (weights
stored as int8, activations quantized per call) measured 2.2x faster per
decoded token and 1.5x faster prompt processing for the packaged 0.5B model on
two cores (`python -m bench.quantize_bench`). Quantizing the output head as
well gave 3.4x, but it is the layer that picks each token, so it stays float32.
CUDA and bfloat16 CPUs keep their native weights.

Activations are quantized per call, over everything in the batch, so a reply can
differ slightly with the conversations decoded beside it; "none" gives replies
that depend on their own prompt alone.
"""

from __future__ import annotations

import warnings
from typing import Any, Literal

import torch

QuantizeSetting = Literal["auto", "none", "int8"]


def wants_int8(setting: str, device: torch.device, dtype: torch.dtype) -> bool:
    if setting not in ("auto", "none", "int8"):
        raise ValueError(f"unknown quantization {setting!r}; use auto, none or int8")
    if setting == "auto":
        return device.type == "cpu" and dtype == torch.float32
    return setting == "int8"


def quantize_int8(model: Any) -> Any:
    """The model with its layers' nn.Linear replaced by dynamically quantized int8 twins.

    The output head stays float32: it turns the last hidden state into the scores the
    next token is picked from.
    """
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
