"""Who answers a conversation: one explicit state machine with a single owner.

bot ──request_human──► waiting ──take_over(staff)──► staff ──hand_back──► bot
 ▲                        │                            │
 └──────── hand_back ─────┘          any ──close──► closed ──(new shopper message)──► bot

The bot answers only while the owner is "bot"; in every other state the shopper's
messages are logged and shown to staff, and the bot stays silent.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Literal

from dialogue.types import Owner

HandoffAction = Literal["request_human", "take_over", "hand_back", "close", "reopen"]


class HandoffError(Exception):
    """A transition that the current state does not allow."""


@dataclass(frozen=True)
class HandoffState:
    owner: Owner = "bot"
    staff: str | None = None  # the staff member who owns it, when owner == "staff"
    reason: str = ""  # why the bot handed off: asked, complaint, failed answers, ungrounded
    since: datetime | None = None
    resolved: bool | None = None  # set when closed

    @property
    def bot_answers(self) -> bool:
        return self.owner == "bot"


# action -> the owners it may start from
_ALLOWED: dict[HandoffAction, tuple[Owner, ...]] = {
    "request_human": ("bot",),
    "take_over": ("bot", "waiting", "staff"),
    "hand_back": ("waiting", "staff"),
    "close": ("bot", "waiting", "staff"),
    "reopen": ("closed",),
}


def transition(
    state: HandoffState,
    action: HandoffAction,
    *,
    staff: str | None = None,
    reason: str = "",
    resolved: bool | None = None,
    now: datetime | None = None,
    reassign: bool = False,
) -> HandoffState:
    """The next state, or HandoffError when `action` is not allowed from `state`.

    `reassign` lets a take-over move a conversation from one staff member to another
    (a supervisor picking up what a colleague left); without it that is refused.
    """
    if state.owner not in _ALLOWED[action]:
        raise HandoffError(f"cannot {action} a conversation owned by {state.owner}")
    if action == "take_over" and not staff:
        raise HandoffError("take_over needs the staff member's name")
    if action == "take_over" and state.owner == "staff" and state.staff != staff and not reassign:
        raise HandoffError(f"conversation already taken over by {state.staff}")
    at = now or datetime.now(UTC)
    match action:
        case "request_human":
            return HandoffState(owner="waiting", reason=reason or "asked", since=at)
        case "take_over":
            return HandoffState(owner="staff", staff=staff, reason=state.reason, since=at)
        case "hand_back" | "reopen":
            return HandoffState(owner="bot", since=at)
        case "close":
            return replace(state, owner="closed", since=at, resolved=resolved)
    raise HandoffError(f"unknown action {action}")
