"""Shared fixtures for the dialogue tests: a tiny random Qwen2-architecture chat model.

Built in code once per test run (2 layers, hidden size 64, a 512-token byte-level BPE
with Qwen's chat template), so engine tests run the real transformers code paths in
seconds; the same model behind `transformers serve` is the real OpenAI-compatible
server for the HTTP client. Torch is imported inside the fixtures.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from dialogue.lm.transformers_engine import TransformersEngine


@pytest.fixture(scope="session")
def tiny_lm_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny random chat model directory (config, safetensors, tokenizer with chat template)."""
    from dialogue.lm.tiny import build_tiny_chat_model

    return build_tiny_chat_model(tmp_path_factory.mktemp("tiny-qwen2"))


@pytest.fixture(scope="session")
def served_url(tiny_lm_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`transformers serve` running the tiny model in a subprocess: its /v1 base URL."""
    from tests.dialogue.lm_servers import transformers_serve

    with transformers_serve(tiny_lm_dir, tmp_path_factory.mktemp("serve")) as base_url:
        yield base_url


@pytest.fixture
async def tiny_engine(tiny_lm_dir: Path) -> AsyncIterator[TransformersEngine]:
    """An in-process engine over the tiny model on CPU, batching up to 4 conversations.

    float32 weights (not int8), like the plain `generate` reference the tests compare it
    with token for token.
    """
    from dialogue.lm.transformers_engine import TransformersEngine

    engine = TransformersEngine.load(
        tiny_lm_dir, name="tiny", device="cpu", dtype="float32", quantize="none", max_batch=4
    )
    yield engine
    await engine.aclose()
