"""Build aiogram's pydantic validators before the first update arrives.

aiogram defers building each model's validator to its first use. Left alone, the
first updates and the first replies of each kind build hundreds of schemas inside
the event loop, stalling every chat for up to a second at a time.
"""

from __future__ import annotations

from typing import Any

from aiogram import methods, types
from aiogram.methods.base import Response

_TYPES: tuple[type[types.TelegramObject], ...] = (
    types.Update, types.Message, types.CallbackQuery, types.User, types.Chat,
    types.MessageEntity, types.InlineKeyboardMarkup, types.InlineKeyboardButton,
    types.BotCommand, types.WebhookInfo,
)  # fmt: skip
_METHODS: tuple[type[methods.TelegramMethod[Any]], ...] = (
    methods.GetMe, methods.GetUpdates, methods.SetWebhook, methods.DeleteWebhook,
    methods.SetMyCommands, methods.SendMessage, methods.SendPhoto, methods.SendChatAction,
    methods.SendMessageDraft, methods.EditMessageText, methods.EditMessageReplyMarkup,
    methods.AnswerCallbackQuery,
)  # fmt: skip


def warm_up() -> None:
    """Build the validators of the updates, methods and replies the gateway uses."""
    for model in _TYPES:
        model.model_rebuild(force=True)
    returns: set[Any] = set()
    for method in _METHODS:
        method.model_rebuild(force=True)
        returns.add(method.__returning__)
    for returned in returns:
        Response[returned].model_rebuild(force=True)  # type: ignore[valid-type]
