import pytest

from dialogue.state import ConversationState, ShownProduct, is_follow_up, resolve_reference

SHOWN = (
    ShownProduct("EA-1001", "Aurora ANC Headphones", 899.0),
    ShownProduct("EA-1002", "Aurora Lite Headphones", 399.0),
    ShownProduct("EA-1003", "Pulse Earbuds", 259.0),
)
STATE = ConversationState(shown=SHOWN, focus_sku="EA-1001")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("the cheaper one", "EA-1003"),
        ("便宜的那个怎么样", "EA-1003"),
        ("tell me about the most expensive", "EA-1001"),
        ("the second one please", "EA-1002"),
        ("第三个有货吗", "EA-1003"),
        ("does it come in red?", "EA-1001"),
        ("有红色的吗？", "EA-1001"),
        ("and the warranty?", "EA-1001"),
        ("what about ea-1002", "EA-1002"),
    ],
)
def test_follow_ups_resolve_against_what_was_shown(text: str, expected: str) -> None:
    assert resolve_reference(text, STATE, page_sku=None) == expected


def test_without_history_the_page_product_is_the_subject() -> None:
    assert resolve_reference("is it waterproof?", ConversationState(), "HK-2001") == "HK-2001"
    assert resolve_reference("the cheaper one", ConversationState(), None) is None


def test_state_round_trips_through_json() -> None:
    state = STATE.showing(list(SHOWN[1:]))
    assert state.focus_sku == "EA-1002"
    assert ConversationState.from_json(state.to_json()) == state
    assert ConversationState.from_json({}) == ConversationState()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("and the warranty?", True),
        ("那保修呢？", True),
        ("有红色的吗？", True),
        ("I want noise cancelling headphones under 500 yuan for my commute", False),
    ],
)
def test_follow_up_detection(text: str, expected: bool) -> None:
    assert is_follow_up(text) is expected
