"""One error root for language-model backends; foreign exceptions are translated here."""

from __future__ import annotations


class LMError(Exception):
    """Base of every error a language-model backend raises."""


class ModelNotAvailable(LMError):
    """A model setting cannot be turned into a loaded model (missing files, bad checksum)."""


class ModelServerUnavailable(LMError):
    """The model server cannot be reached, or stopped answering before the reply was complete."""


class ModelCircuitOpen(ModelServerUnavailable):
    """The model server failed repeatedly; requests are not sent until its cool-down ends."""


class ModelProtocolError(LMError):
    """The model server answered, but not in the OpenAI chat-completions streaming format."""


class GenerationFailed(LMError):
    """The in-process engine failed while generating (out of memory, a crashed decode loop)."""


class PromptTooLong(LMError):
    """The prompt leaves no room for the reply in the model's context window."""
