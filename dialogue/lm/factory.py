"""Build the configured `LanguageModel` (the composition root calls this once at start)."""

from __future__ import annotations

from dialogue.lm.types import LanguageModel
from dialogue.settings import DialogueSettings


def build_language_model(settings: DialogueSettings) -> LanguageModel:
    """Blocking: the transformers backend loads (and on first use converts) the model.

    From async code, run it with `await asyncio.to_thread(build_language_model, settings)`.
    """
    if settings.lm_backend == "openai":
        from dialogue.lm.openai_client import OpenAIChatClient

        return OpenAIChatClient.from_settings(settings)
    # Imported here so that torch is loaded only by processes that run a model.
    from dialogue.lm.transformers_engine import TransformersEngine

    return TransformersEngine.from_settings(settings)
