"""Dialogue settings: which language model answers, and how."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class DialogueSettings(BaseSettings):
    """Read once at start from `KEFU_*` environment variables (or a `.env` file)."""

    model_config = SettingsConfigDict(env_prefix="KEFU_", env_file=".env", extra="ignore")

    # Shared with the other packages: the model cache lives in data_dir/models.
    data_dir: Path = Path(".kefu-data")

    # "transformers": the model runs in this process; "openai": an OpenAI-compatible server.
    lm_backend: Literal["transformers", "openai"] = "transformers"
    # transformers backend: "packaged:<name>", a local model directory, or a Hugging Face id.
    # openai backend: the model name the server knows.
    lm_model: str = "packaged:qwen2.5-coder-0.5b-instruct"
    # "auto" picks CUDA when available, else CPU.
    lm_device: str = "auto"
    # "auto": bfloat16 on CUDA and on CPUs with bfloat16 units (AVX512-BF16, AMX), else
    # float32; or "float32", "bfloat16", "float16".
    lm_dtype: str = "auto"
    # "auto": int8 weights on the CPU (dialogue/lm/quantize.py): float32 layers become
    # int8 (2x faster decoding); bfloat16 ones keep an int8 copy for decoding steps
    # (1.3x faster decoding). "none" keeps the weights as loaded; "int8" forces it.
    lm_quantize: Literal["auto", "none", "int8"] = "auto"
    # Most conversations decoded together in one batch by the in-process engine.
    lm_max_batch: int = Field(default=8, ge=1)
    # Prompt plus reply, in tokens; 0 takes the model's own limit (transformers backend)
    # or 32768 (openai backend, where the server's limit is not known in advance).
    lm_context_window: int = Field(default=0, ge=0)

    # openai backend
    lm_base_url: str = "http://127.0.0.1:8000/v1"
    lm_api_key: SecretStr = SecretStr("")
    # Longest wait for the next piece of the reply once it has started.
    lm_timeout_s: float = Field(default=60.0, gt=0)
    lm_connect_timeout_s: float = Field(default=5.0, gt=0)
    # Longest wait from sending the request to the first piece of the reply (queueing and
    # prompt processing on the server included).
    lm_first_token_timeout_s: float = Field(default=30.0, gt=0)
    # Attempts after a failure before the first token only (a reply is never repeated),
    # spaced by exponential backoff from lm_backoff_s up to lm_backoff_max_s, with jitter.
    lm_retries: int = Field(default=2, ge=0)
    lm_backoff_s: float = Field(default=0.25, ge=0)
    lm_backoff_max_s: float = Field(default=4.0, ge=0)
    # Consecutive failed requests that open the circuit breaker; while open, answers come
    # from the facts without calling the server, and after the cool-down one trial goes.
    lm_breaker_failures: int = Field(default=5, ge=1)
    lm_breaker_cooldown_s: float = Field(default=30.0, ge=0)

    # Decoding defaults for replies to shoppers.
    max_new_tokens: int = Field(default=256, ge=1)
    temperature: float = Field(default=0.0, ge=0)
    top_p: float = Field(default=1.0, gt=0, le=1)

    # Conversation behaviour.
    max_message_chars: int = Field(default=4000, ge=1)
    ai_disclosure: bool = True
    # Consecutive answers with nothing grounded to say before a person is asked to join.
    handoff_after_failed_answers: int = Field(default=2, ge=1)
    max_cards: int = Field(default=3, ge=1, le=5)
    # A fact sentence is quoted as an answer only this close to the question, in the
    # search embedder's cosine (see dialogue/similarity.py for how 0.70 was chosen).
    extractive_min_similarity: float = Field(default=0.70, ge=-1.0, le=1.0)
    # A generated sentence citing facts must come this close to an English question,
    # or it is dropped as no answer to it (see dialogue/grounded.py, `_Relevance`).
    answer_min_relevance: float = Field(default=0.65, ge=-1.0, le=1.0)

    @property
    def models_dir(self) -> Path:
        return self.data_dir / "models"
