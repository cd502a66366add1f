"""Inline-button payloads, as aiogram CallbackData factories.

Telegram limits callback data to 64 bytes, so buttons carry short references:
a product's SKU when it is short and free of the separator, otherwise a hash that
the chat's FSM data maps back (see `chat_state.ChatMemory`); a turn is always
referred to by a hash of its id.
"""

from __future__ import annotations

import hashlib
from typing import Literal

from aiogram.filters.callback_data import CallbackData

MAX_CALLBACK_BYTES = 64
_SKU_INLINE_MAX = 40


class LangCB(CallbackData, prefix="lg"):
    lang: str  # "zh" | "en"


class CardCB(CallbackData, prefix="cd"):
    action: Literal["d", "m"]  # details, more like this
    sku: str  # the SKU itself, or "~" + hash for long SKUs


class FeedbackCB(CallbackData, prefix="fb"):
    ref: str  # turn reference
    thumbs: Literal["u", "d"]


class CsatCB(CallbackData, prefix="cs"):
    epoch: int  # which conversation of the chat (they are numbered by /reset)
    score: int  # 1..5


class ActionCB(CallbackData, prefix="ac"):
    ref: str  # turn reference
    index: int  # into the turn's suggested actions


class LinkCB(CallbackData, prefix="ln"):
    step: Literal["start", "yes", "no"]


def short_hash(value: str, size: int = 5) -> str:
    """2*size hex characters: short enough for callback data, distinct within a chat."""
    return hashlib.blake2b(value.encode(), digest_size=size).hexdigest()


def turn_ref(turn_id: str) -> str:
    return short_hash(turn_id)


def sku_token(sku: str) -> str:
    """The SKU itself when it fits a button, else "~" + a hash to look up."""
    raw = sku.encode()
    if len(raw) <= _SKU_INLINE_MAX and ":" not in sku and not sku.startswith("~"):
        return sku
    return "~" + short_hash(sku)


def packed_fits(data: CallbackData) -> bool:
    return len(data.pack().encode()) <= MAX_CALLBACK_BYTES
