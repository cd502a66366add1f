"""Settings pick the backend; the factory builds it."""

from __future__ import annotations

from pathlib import Path

import pytest

from dialogue.lm.factory import build_language_model
from dialogue.lm.openai_client import OpenAIChatClient
from dialogue.lm.transformers_engine import TransformersEngine
from dialogue.settings import DialogueSettings


def test_settings_read_kefu_variables(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("KEFU_LM_BACKEND", "openai")
    monkeypatch.setenv("KEFU_LM_BASE_URL", "http://vllm:8000/v1")
    monkeypatch.setenv("KEFU_LM_API_KEY", "sk-test")
    monkeypatch.setenv("KEFU_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("KEFU_MAX_NEW_TOKENS", "128")
    settings = DialogueSettings(_env_file=None)  # type: ignore[call-arg]
    assert settings.lm_backend == "openai"
    assert settings.lm_base_url == "http://vllm:8000/v1"
    assert settings.lm_api_key.get_secret_value() == "sk-test"
    assert "sk-test" not in repr(settings)
    assert settings.models_dir == tmp_path / "models"
    assert settings.max_new_tokens == 128


def test_defaults_are_the_packaged_model_in_process() -> None:
    settings = DialogueSettings(_env_file=None)  # type: ignore[call-arg]
    assert settings.lm_backend == "transformers"
    assert settings.lm_model == "packaged:qwen2.5-coder-0.5b-instruct"


async def test_openai_backend(tmp_path: Path) -> None:
    settings = DialogueSettings(
        lm_backend="openai", lm_model="Qwen/Qwen2.5-7B-Instruct", lm_context_window=8192
    )
    lm = build_language_model(settings)
    assert isinstance(lm, OpenAIChatClient)
    assert lm.name == "Qwen/Qwen2.5-7B-Instruct"
    assert lm.context_window == 8192
    await lm.aclose()


async def test_transformers_backend_on_a_local_directory(tiny_lm_dir: Path) -> None:
    settings = DialogueSettings(lm_model=str(tiny_lm_dir), lm_device="cpu", lm_max_batch=2)
    lm = build_language_model(settings)
    assert isinstance(lm, TransformersEngine)
    assert lm.context_window == 2048
    await lm.aclose()
