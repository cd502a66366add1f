"""Knowledge gaps: the list, and corrections turned into an ingested, searchable FAQ."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from sqlmodel import Session, SQLModel, select

from bot.console.app import install_console
from bot.console.context import ConsoleContext
from bot.console.faq import FAQ_FILE, entry, read_faq, render_faq, write_faq
from bot.console.review_tables import AnswerReview
from bot.console.settings import ConsoleSettings
from catalog.ingest import ingest_documents
from catalog.models import DocumentPassage
from dialogue.conversations import ConversationRepo
from retrieval.types import SearchFilters
from tests.console.review_fixtures import Console, StaffClient, console, db, log_exchange

__all__ = ["console", "db"]  # fixtures used by name

GIFT_EN = "Gift wrapping is free for every order; choose it at checkout."
GIFT_ZH = "所有订单均可免费礼品包装，结账时选择即可。"


def mark_wrong(client: StaffClient, cid: str, turn: str, correction: str) -> None:
    r = client.post(
        f"/console/c/{cid}/turns/{turn}/review", {"verdict": "wrong", "correction": correction}
    )
    assert r.status_code == 303, r.text


def review_ids(console: Console) -> dict[str, int]:
    with Session(console.engine) as session:
        return {r.question: r.id or 0 for r in session.exec(select(AnswerReview)).all()}


def statuses(console: Console) -> dict[str, str]:
    with Session(console.engine) as session:
        return {r.question: r.status for r in session.exec(select(AnswerReview)).all()}


def test_gaps_list_corrections_and_unanswered_questions(console: Console) -> None:
    # an answer whose only claim was dropped: an unanswered question for analytics
    log_exchange(
        console.engine, "conv-gap-1", "Is the power bank waterproof?", ["It is waterproof."]
    )
    log_exchange(
        console.engine, "conv-gap-2", "is the power bank waterproof", ["It is waterproof."]
    )
    first = log_exchange(console.engine, "conv-gap-3", "Do you gift wrap?", ["It costs 299 CNY."])
    second = log_exchange(
        console.engine, "conv-gap-4", "礼品包装收费吗？", ["It costs 299 CNY."], lang="zh"
    )
    agent = console.client("agent", name="Mei")
    mark_wrong(agent, "conv-gap-3", first, GIFT_EN)
    mark_wrong(agent, "conv-gap-4", second, GIFT_ZH)
    page = agent.get("/console/gaps")
    assert page.status_code == 200
    html = page.text
    # both corrections, with their questions copied from the shopper turns
    assert "Do you gift wrap?" in html and GIFT_EN in html and "礼品包装收费吗？" in html
    # the two similar unanswered questions form one group asked twice
    assert '<td class="count">2×</td>' in html and "waterproof" in html
    assert "/console/c/conv-gap-1" in html and "/console/c/conv-gap-2" in html
    # agents see the list but no FAQ controls, and cannot create one
    assert 'name="review"' not in html and "An admin turns corrections" in html
    r = agent.post("/console/gaps/faq", {"review": str(review_ids(console)["Do you gift wrap?"])})
    assert r.status_code == 403
    assert statuses(console) == {"Do you gift wrap?": "open", "礼品包装收费吗？": "open"}
    assert console.audit("faq_created") == []


def test_faq_creation_writes_ingests_and_is_audited(console: Console, tmp_path: Path) -> None:
    console.ctx.data_dir = tmp_path / "data"
    turn_en = log_exchange(console.engine, "conv-faq-1", "Do you gift wrap?", ["It costs 299 CNY."])
    private = log_exchange(
        console.engine, "conv-faq-0", "Gift wrap for li.wei@example.com?", ["It costs 299 CNY."]
    )
    turn_zh = log_exchange(
        console.engine, "conv-faq-2", "礼品包装收费吗？", ["It costs 299 CNY."], lang="zh"
    )
    admin = console.client("admin", name="Boss")
    mark_wrong(admin, "conv-faq-1", turn_en, GIFT_EN)
    mark_wrong(admin, "conv-faq-2", turn_zh, GIFT_ZH)
    mark_wrong(admin, "conv-faq-0", private, "We wrap gifts for free.")
    ids = review_ids(console)
    assert 'name="review"' in admin.get("/console/gaps").text
    # without the token: nothing happens
    assert (
        admin.post(
            "/console/gaps/faq", {"review": str(ids["Do you gift wrap?"])}, csrf=False
        ).status_code
        == 403
    )
    assert not (tmp_path / "data" / "faq" / FAQ_FILE).exists()
    assert admin.post("/console/gaps/faq", {}).status_code == 400  # nothing picked

    r = admin.http.post(
        "/console/gaps/faq",
        data={
            "review": [str(i) for i in ids.values()],
            "csrf_token": admin.csrf,
        },
        follow_redirects=False,
    )
    assert r.status_code == 303 and r.headers["location"] == "/console/gaps?created=3"
    path = tmp_path / "data" / "faq" / FAQ_FILE
    text = path.read_text(encoding="utf-8")
    assert "# Frequently asked questions\n" in text and "## Do you gift wrap?\n\n" + GIFT_EN in text
    assert "# 常见问题\n" in text and "## 礼品包装收费吗？\n\n" + GIFT_ZH in text
    # the shopper's own words are masked before they are published
    assert "li.wei@example.com" not in text and "## Gift wrap for " in text
    with Session(console.engine) as session:
        passages = session.exec(
            select(DocumentPassage).where(DocumentPassage.path == FAQ_FILE)
        ).all()
    found = {(p.heading, p.text, p.lang) for p in passages}
    assert ("Frequently asked questions > Do you gift wrap?", GIFT_EN, "en") in found
    assert ("常见问题 > 礼品包装收费吗？", GIFT_ZH, "zh") in found
    assert len(found) == 3 and not any("li.wei" in heading for heading, _, _ in found)
    assert console.reindexed == ["documents"]
    assert set(statuses(console).values()) == {"faq"}
    [audit] = console.audit("faq_created")
    assert "3 entries" in audit.detail and audit.staff_id == admin.staff_id
    assert "3 entries added to the FAQ" in admin.get("/console/gaps?created=3").text

    # a later correction is merged in: earlier entries stay, a repeated question is updated
    turn_3 = log_exchange(
        console.engine, "conv-faq-3", "do you gift wrap", ["It costs 299 CNY."], n=1
    )
    mark_wrong(admin, "conv-faq-3", turn_3, "Gift wrapping is free; pick it at checkout.")
    newest = review_ids(console)["do you gift wrap"]
    assert admin.post("/console/gaps/faq", {"review": str(newest)}).status_code == 303
    entries = read_faq(path)
    assert [(e.lang, e.answer) for e in entries] == [
        ("en", "Gift wrapping is free; pick it at checkout."),
        ("en", "We wrap gifts for free."),
        ("zh", GIFT_ZH),
    ]


def test_faq_file_format_round_trips_and_escapes() -> None:
    tricky = entry("  What about\n#returns? ", "Line one\n# not a heading\n---\n```\nend")
    assert tricky.question == "What about #returns?" and tricky.lang == "en"
    text = render_faq([tricky, entry("退货？", "七天内可退。")])
    assert "\n\\# not a heading\n\\---\n\\```\n" in text
    with pytest.raises(ValueError):
        entry("question", "   ")


def test_faq_merge_keeps_earlier_entries(tmp_path: Path) -> None:
    write_faq(tmp_path, [entry("Shipping time?", "Two days."), entry("退货？", "七天内可退。")])
    path, total = write_faq(tmp_path, [entry("Returns?", "Thirty days.\n# kept as text")])
    assert total == 3
    assert [(e.question, e.answer) for e in read_faq(path)] == [
        ("Shipping time?", "Two days."),
        ("Returns?", "Thirty days.\n# kept as text"),
        ("退货？", "七天内可退。"),
    ]
    # the section splitter reads exactly one passage per entry
    ingest_dir = tmp_path
    from catalog.ingest.sections import split_sections

    sections = split_sections(path.read_text(encoding="utf-8"))
    assert len(sections) == 3 and all(s.heading.count(" > ") == 1 for s in sections)
    assert not list(ingest_dir.glob(".console-faq.*"))  # no temporary file left behind


def test_new_faq_passage_is_found_by_search(tmp_path: Path, tiny_embedder: Any) -> None:
    from bot.workspace import open_workspace
    from catalog.settings import CatalogSettings
    from retrieval.settings import RetrievalSettings

    data_dir = tmp_path / "shop"
    workspace = open_workspace(
        CatalogSettings(data_dir=data_dir, database_url=""),
        RetrievalSettings(index_kind="exact"),
        embedder_factory=lambda _: tiny_embedder,
    )
    try:
        SQLModel.metadata.create_all(workspace.engine)
        policies = tmp_path / "policies"
        policies.mkdir()
        (policies / "returns.md").write_text("# Returns\n\nItems can be returned within 7 days.\n")
        ingest_documents(workspace.engine, policies)
        before = workspace.retriever.search(
            "gift wrapping checkout", 5, SearchFilters(kinds=("document",))
        )
        assert all(h.passage.doc_path != FAQ_FILE for h in before)

        reindexed: list[int] = []
        ctx = ConsoleContext(
            engine=workspace.engine,
            settings=ConsoleSettings(),
            conversations=ConversationRepo(workspace.engine),
            reindex=lambda: reindexed.append(workspace.refresh().updated_groups),
            data_dir=data_dir,
        )
        app = FastAPI()
        install_console(app, ctx)
        shop = Console(workspace.engine, app, ctx, [])
        turn = log_exchange(
            shop.engine, "conv-search-1", "Do you gift wrap?", ["It costs 299 CNY."]
        )
        admin = shop.client("admin")
        mark_wrong(admin, "conv-search-1", turn, GIFT_EN)
        ids = review_ids(shop)
        assert (
            admin.post("/console/gaps/faq", {"review": str(ids["Do you gift wrap?"])}).status_code
            == 303
        )

        assert reindexed == [1]  # the one new passage, embedded without a rebuild
        hits = workspace.retriever.search(
            "gift wrapping checkout", 5, SearchFilters(kinds=("document",))
        )
        assert hits and hits[0].passage.doc_path == FAQ_FILE
        assert hits[0].passage.text.endswith(GIFT_EN)  # the heading reads with it
        assert (
            hits[0].passage.citation == f"{FAQ_FILE}#Frequently asked questions > Do you gift wrap?"
        )
        # the shop's own documents are still there
        returns = workspace.retriever.search(
            "returned within 7 days", 5, SearchFilters(kinds=("document",))
        )
        assert any(h.passage.doc_path == "returns.md" for h in returns)
    finally:
        workspace.close()
