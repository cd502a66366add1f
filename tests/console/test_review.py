"""Tags, notes and answer marks: CSRF-protected, audited, shown on the transcript page."""

from __future__ import annotations

from html import unescape

from sqlmodel import Session, select

from bot.console.review_tables import AnswerReview, ConversationNote, ConversationTag
from tests.console.review_fixtures import Console, console, db, log_exchange

__all__ = ["console", "db"]  # fixtures used by name


def rows(console: Console, table: type) -> list:  # type: ignore[type-arg]
    with Session(console.engine) as session:
        return list(session.exec(select(table)).all())


def test_tags_add_remove_with_csrf(console: Console) -> None:
    log_exchange(console.engine, "conv-tag-1", "price?", ["It costs 299 CNY."])
    agent = console.client()
    url = "/console/c/conv-tag-1/tags"
    assert agent.post(url, {"tag": "refund"}, csrf=False).status_code == 403
    assert rows(console, ConversationTag) == []
    r = agent.post(url, {"tag": "  Refund   Request "})
    assert r.status_code == 303 and r.headers["location"] == "/console/c/conv-tag-1#review"
    assert agent.post(url, {"tag": "refund request"}).status_code == 303  # already there
    assert agent.post(url, {"tag": "发票"}).status_code == 303
    assert sorted(t.tag for t in rows(console, ConversationTag)) == ["refund request", "发票"]
    page = unescape(agent.get("/console/c/conv-tag-1").text)
    assert (
        '<span class="tag">refund request</span>' in page
        and '<span class="tag">发票</span>' in page
    )
    assert agent.post(url, {"tag": "REFUND request", "op": "remove"}).status_code == 303
    assert [t.tag for t in rows(console, ConversationTag)] == ["发票"]
    details = [e.detail for e in console.audit("tag")]
    assert details == [
        "add: refund request",
        "add: refund request",
        "add: 发票",
        "remove: refund request",
    ]


def test_bad_tag_is_refused_and_kept_in_the_form(console: Console) -> None:
    log_exchange(console.engine, "conv-tag-2", "price?", ["It costs 299 CNY."])
    agent = console.client()
    r = agent.post("/console/c/conv-tag-2/tags", {"tag": "x" * 41})
    assert r.status_code == 400 and "at most 40 characters" in r.text
    assert 'value="' + "x" * 41 + '"' in r.text
    assert agent.post("/console/c/conv-tag-2/tags", {"tag": "   "}).status_code == 400
    assert agent.post("/console/c/no-such/tags", {"tag": "a"}).status_code == 404
    assert rows(console, ConversationTag) == [] and console.audit("tag") == []


def test_notes_keep_author_and_time(console: Console) -> None:
    log_exchange(console.engine, "conv-note-1", "price?", ["It costs 299 CNY."])
    agent = console.client("agent", name="Mei Lin")
    url = "/console/c/conv-note-1/notes"
    assert agent.post(url, {"text": "called back"}, csrf=False).status_code == 403
    assert agent.post(url, {"text": "Shopper wants a <b>refund</b>."}).status_code == 303
    [row] = rows(console, ConversationNote)
    assert row.staff_name == "Mei Lin" and row.conversation_id == "conv-note-1"
    page = agent.get("/console/c/conv-note-1").text
    assert "<strong>Mei Lin</strong>" in page
    assert "Shopper wants a &lt;b&gt;refund&lt;/b&gt;." in page  # escaped, never markup
    assert console.audit("note")[0].conversation_id == "conv-note-1"
    long = "n" * 4001
    r = agent.post(url, {"text": long})
    assert r.status_code == 400 and long in r.text  # what was typed comes back
    assert len(rows(console, ConversationNote)) == 1


def test_mark_answer_wrong_with_correction(console: Console) -> None:
    answer = log_exchange(
        console.engine, "conv-mark-1", "Can I return it after two weeks?", ["It is waterproof."]
    )
    agent = console.client("agent", name="Mei")
    url = f"/console/c/conv-mark-1/turns/{answer}/review"
    assert agent.post(url, {"verdict": "wrong", "correction": "x"}, csrf=False).status_code == 403
    r = agent.post(url, {"verdict": "wrong", "correction": "Returns are accepted within 30 days."})
    assert r.status_code == 303 and r.headers["location"].endswith(f"#turn-{answer}")
    [review] = rows(console, AnswerReview)
    assert (review.turn_id, review.conversation_id, review.verdict, review.status) == (
        answer,
        "conv-mark-1",
        "wrong",
        "open",
    )
    assert review.question == "Can I return it after two weeks?"  # copied from the shopper turn
    assert review.correction == "Returns are accepted within 30 days." and review.lang == "en"
    assert review.staff_name == "Mei" and review.staff_id == agent.staff_id
    [entry] = console.audit("mark_answer")
    assert "wrong" in entry.detail and entry.conversation_id == "conv-mark-1"
    page = agent.get("/console/c/conv-mark-1").text
    assert 'class="review-wrong">wrong</strong> by Mei (open)' in page
    # marking it again replaces the mark: one review per answer
    assert agent.post(url, {"verdict": "correct"}).status_code == 303
    [review] = rows(console, AnswerReview)
    assert review.verdict == "correct" and review.correction == ""


def test_mark_refuses_bad_input(console: Console) -> None:
    answer = log_exchange(console.engine, "conv-mark-2", "price?", ["It costs 299 CNY."])
    agent = console.client()
    r = agent.post(f"/console/c/conv-mark-2/turns/{answer}/review", {"verdict": "maybe"})
    assert r.status_code == 400 and "correct or wrong" in r.text
    # the shopper's turn is not an answer; another conversation's answer is not this one's
    assert (
        agent.post(
            f"/console/c/conv-mark-2/turns/{answer}:in/review", {"verdict": "wrong"}
        ).status_code
        == 404
    )
    assert (
        agent.post(f"/console/c/other/turns/{answer}/review", {"verdict": "wrong"}).status_code
        == 404
    )
    assert rows(console, AnswerReview) == [] and console.audit("mark_answer") == []
