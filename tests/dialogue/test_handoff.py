from datetime import UTC, datetime

import pytest

from dialogue.handoff import HandoffError, HandoffState, transition


def test_full_cycle_keeps_a_single_owner() -> None:
    state = HandoffState()
    assert state.bot_answers
    state = transition(state, "request_human", reason="complaint")
    assert (state.owner, state.reason, state.bot_answers) == ("waiting", "complaint", False)
    state = transition(state, "take_over", staff="wang@shop.example")
    assert (state.owner, state.staff, state.reason) == ("staff", "wang@shop.example", "complaint")
    state = transition(state, "hand_back")
    assert state.owner == "bot" and state.staff is None and state.bot_answers


def test_close_records_resolution_and_reopens_to_bot() -> None:
    at = datetime(2026, 11, 1, tzinfo=UTC)
    state = transition(HandoffState(), "close", resolved=True, now=at)
    assert (state.owner, state.resolved, state.since) == ("closed", True, at)
    assert transition(state, "reopen").owner == "bot"


@pytest.mark.parametrize(
    ("owner", "action"),
    [
        ("waiting", "request_human"),
        ("bot", "hand_back"),
        ("closed", "take_over"),
        ("bot", "reopen"),
    ],
)
def test_disallowed_transitions_raise(owner: str, action: str) -> None:
    with pytest.raises(HandoffError):
        transition(HandoffState(owner=owner, staff="a"), action, staff="b")  # type: ignore[arg-type]


def test_a_second_agent_cannot_steal_a_conversation() -> None:
    state = transition(HandoffState(owner="waiting"), "take_over", staff="a")
    with pytest.raises(HandoffError, match="already taken over by a"):
        transition(state, "take_over", staff="b")
    assert transition(state, "take_over", staff="a").staff == "a"


def test_take_over_needs_a_name() -> None:
    with pytest.raises(HandoffError):
        transition(HandoffState(owner="waiting"), "take_over")


def test_only_a_reassign_moves_a_conversation_between_staff() -> None:
    taken = transition(HandoffState(), "take_over", staff="li")
    with pytest.raises(HandoffError):
        transition(taken, "take_over", staff="wang")
    moved = transition(taken, "take_over", staff="wang", reassign=True)
    assert (moved.owner, moved.staff) == ("staff", "wang")
