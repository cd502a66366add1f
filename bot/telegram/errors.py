"""The Telegram gateway's errors; aiogram's and aiohttp's are translated into these."""

from __future__ import annotations


class TelegramGatewayError(Exception):
    """Root of the gateway's errors."""


class DeliveryError(TelegramGatewayError):
    """A message could not be delivered to a chat.

    `permanent`: Telegram refused it (bad request, bot blocked, chat gone) and a retry
    would fail the same way; otherwise the outbox gave up retrying transient failures.
    """

    def __init__(self, description: str, *, permanent: bool) -> None:
        super().__init__(description)
        self.description = description
        self.permanent = permanent


class SettingsError(TelegramGatewayError):
    """The settings cannot run the gateway (webhook mode without a web app, ...)."""
