"""Language models behind one port: an in-process transformers engine and an OpenAI-compatible
HTTP client, plus a scripted fake for tests.

Importing this package does not load torch or httpx; `build_language_model` (in
`dialogue.lm.factory`) imports the backend the settings ask for.
"""

from dialogue.lm.budget import Budget, FittedPrompt, fit_prompt
from dialogue.lm.errors import (
    GenerationFailed,
    LMError,
    ModelCircuitOpen,
    ModelNotAvailable,
    ModelProtocolError,
    ModelServerUnavailable,
    PromptTooLong,
)
from dialogue.lm.scripted import ScriptedLM
from dialogue.lm.types import ChatMessage, GenerationParams, LanguageModel, Role

__all__ = [
    "Budget",
    "ChatMessage",
    "FittedPrompt",
    "GenerationFailed",
    "GenerationParams",
    "LMError",
    "LanguageModel",
    "ModelCircuitOpen",
    "ModelNotAvailable",
    "ModelProtocolError",
    "ModelServerUnavailable",
    "PromptTooLong",
    "Role",
    "ScriptedLM",
    "fit_prompt",
]
