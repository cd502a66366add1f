"""The transcript page: facts, claims with verdicts, figures, masking and audited reveals."""

from __future__ import annotations

import re
from html import unescape

from sqlmodel import Session

from dialogue.transcript_tables import Conversation
from dialogue.transcripts import SqlTranscriptStore, TurnRecord
from tests.console.review_fixtures import Console, console, db, log_exchange

__all__ = ["console", "db"]  # fixtures used by name

PII_QUESTION = "Ship it to li.wei@example.com or call 13812345678, please. Does it weigh 500 g?"


def turn_html(page: str, turn_id: str) -> str:
    start = page.index(f'data-turn-id="{turn_id}"')
    end = page.find('<li class="turn', start)
    return page[start : end if end != -1 else len(page)]


def test_page_shows_facts_claims_and_verdicts(console: Console) -> None:
    answer = log_exchange(
        console.engine,
        "conv-claims-1",
        "How much is the power bank, and what does it weigh?",
        ["The Kefu Power Bank costs 299 CNY.", "It weighs 500 g.", "It is waterproof."],
    )
    agent = console.client("agent", name="Mei")
    r = agent.get("/console/c/conv-claims-1")
    assert r.status_code == 200, r.text
    page = unescape(r.text)
    # the header
    assert '<span class="owner bot">' in page and 'class="channel">web<' in page
    assert "{% include" not in page and 'id="live-panel"' in page
    # both turns, in order, with their roles
    roles = re.findall(r'<li class="turn role-(\w+)" data-turn-id="([^"]+)"', page)
    assert roles == [("user", f"{answer}:in"), ("assistant", answer)]
    html = turn_html(page, answer)
    # the retrieved facts with their citations: SKU + field, document + heading
    assert "SKU KF-PB-20K · title" in html and "policies/returns.md › Returns" in html
    # every claim with its verdict and what it was checked against
    assert '<span class="verdict supported">supported</span>' in html
    assert '<span class="verdict contradicted">contradicted</span>' in html
    assert '<span class="verdict unsupported">unsupported</span>' in html
    assert "<cite>KF-PB-20K#price</cite>" in html
    assert "<cite>KF-PB-20K#attributes.weight_g</cite>" in html
    assert "the facts say <strong>350 g</strong>" in html
    assert "<strong>repair</strong>" in html and "<strong>drop</strong>" in html
    # model, tokens and latency per stage
    assert "qwen-test" in html and "42 tokens" in html
    assert "retrieve 12 ms" in html and "first_sentence 180 ms" in html
    # an answer can be marked from the page
    assert f"/turns/{answer.replace(':', '%3A')}/review" in html


def test_thumbs_and_csat_shown(console: Console) -> None:
    answer = log_exchange(console.engine, "conv-thumbs-1", "price?", ["It costs 299 CNY."])
    with Session(console.engine) as session:
        conversation = session.get(Conversation, "conv-thumbs-1")
        assert conversation is not None
        conversation.csat = 4
        session.add(conversation)
        session.commit()
    from dialogue.transcript_feedback import copy_feedback
    from dialogue.types import Feedback

    copy_feedback(console.engine, Feedback("conv-thumbs-1", turn_id=answer, thumbs="down"))
    page = console.client().get("/console/c/conv-thumbs-1").text
    assert 'class="csat">4<' in page
    assert 'class="thumbs down"' in turn_html(page, answer)


def test_agents_see_masked_text_and_cannot_reveal(console: Console) -> None:
    log_exchange(console.engine, "conv-pii-1", PII_QUESTION, ["It weighs 350 g."])
    agent = console.client("agent")
    page = unescape(agent.get("/console/c/conv-pii-1").text)
    assert "li.wei@example.com" not in page and "13812345678" not in page
    assert "Personal data hidden." in page
    assert "/reveal" not in page  # no reveal button for agents
    r = agent.post("/console/c/conv-pii-1/turns/conv-pii-1:m1:in/reveal", {})
    assert r.status_code == 403
    assert console.audit("reveal_pii") == []


def test_admin_reveal_is_audited_and_shows_raw_text(console: Console) -> None:
    log_exchange(console.engine, "conv-pii-2", PII_QUESTION, ["It weighs 350 g."])
    admin = console.client("admin")
    page = unescape(admin.get("/console/c/conv-pii-2").text)
    assert "li.wei@example.com" not in page
    assert "/console/c/conv-pii-2/turns/conv-pii-2%3Am1%3Ain/reveal" in page
    # without the CSRF token: refused, nothing revealed or audited
    r = admin.post("/console/c/conv-pii-2/turns/conv-pii-2:m1:in/reveal", {}, csrf=False)
    assert r.status_code == 403 and console.audit("reveal_pii") == []
    r = admin.post("/console/c/conv-pii-2/turns/conv-pii-2:m1:in/reveal", {})
    assert r.status_code == 200
    revealed = unescape(r.text)
    assert "li.wei@example.com" in revealed and "13812345678" in revealed
    [entry] = console.audit("reveal_pii")
    assert entry.conversation_id == "conv-pii-2" and "conv-pii-2:m1:in" in entry.detail
    assert entry.staff_id == admin.staff_id
    # a turn of another conversation cannot be revealed through this one
    r = admin.post("/console/c/conv-pii-2/turns/conv-other:m1:in/reveal", {})
    assert r.status_code == 404


def test_viewing_is_audited_once_an_hour(console: Console) -> None:
    log_exchange(console.engine, "conv-view-1", "price?", ["It costs 299 CNY."])
    agent, other = console.client(), console.client()
    for _ in range(3):
        assert agent.get("/console/c/conv-view-1").status_code == 200
    assert other.get("/console/c/conv-view-1").status_code == 200
    entries = console.audit("view_transcript")
    assert sorted(e.staff_id for e in entries if e.staff_id) == sorted(
        [agent.staff_id, other.staff_id]
    )


def test_unknown_conversation_is_404_and_login_is_required(console: Console) -> None:
    agent = console.client()
    r = agent.get("/console/c/does-not-exist")
    assert r.status_code == 404 and "No such conversation" in r.text
    assert console.audit("view_transcript") == []
    anonymous = console.client().http
    anonymous.cookies.clear()
    r = anonymous.get(
        "/console/c/does-not-exist", headers={"accept": "text/html"}, follow_redirects=False
    )
    assert r.status_code == 303 and r.headers["location"].startswith("/console/login?next=")


def test_staff_turns_and_flat_claims_render(console: Console) -> None:
    # rows from the demo-data generator carry flat claims; staff turns show their author
    SqlTranscriptStore(console.engine).write(
        [
            TurnRecord("d1:in", "conv-demo-1", "1", "user", "退货运费谁出？", lang="zh"),
            TurnRecord(
                "d1",
                "conv-demo-1",
                "1:a",
                "assistant",
                "七天内可退货。",
                lang="zh",
                claims=[{"kind": "policy", "verdict": "unsupported"}],
            ),
            TurnRecord("d2", "conv-demo-1", "2", "staff", "运费由我们承担。", author="王芳"),
        ]
    )
    page = console.client().get("/console/c/conv-demo-1").text
    assert '<span class="verdict unsupported">unsupported</span>' in page
    assert '<strong class="who">王芳</strong>' in page
