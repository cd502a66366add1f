"""A staff shift in real Chromium against a real `kefu run` process.

The agent logs in, filters and searches the inbox, reads a transcript's claims and
verdicts; in a second browser context a shopper asks the widget for a human; the
agent sees the queue change, takes over, both exchange messages live while the bot
stays silent, the agent hands back and the bot answers again. Screenshots go to
test-artifacts/console-*.png.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.console.staff_store import add_staff
from catalog.db import create_db_engine
from dialogue.transcripts import SqlTranscriptStore, TurnRecord
from dialogue.verify import FactSet, ProductFact
from dialogue.verify.verifier import verify_sentence
from tests.support.browser import ARGS, ARTIFACTS, CHROMIUM
from tests.support.kefu_process import KefuServer, build_tiny_models, kefu_run

pytestmark = pytest.mark.browser
PASSWORD = "a long enough staff password"
AGENT = "li@shop.example"


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Iterator[KefuServer]:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is missing: run `make browser-deps`")
    tmp = tmp_path_factory.mktemp("console-browser")
    models = build_tiny_models(tmp / "models")
    with kefu_run(tmp / "data", models) as server:
        engine = create_db_engine(f"sqlite:///{tmp / 'data' / 'kefu.db'}")
        add_staff(engine, AGENT, PASSWORD, role="agent", name="Li")
        _seed_transcripts(engine)
        engine.dispose()
        yield server


def _seed_transcripts(engine: Any) -> None:
    """Two earlier conversations: a Chinese returns question, an answer with a wrong price."""
    facts = FactSet(
        products=(ProductFact(sku="EA-1001", title="Sonvale Aria", price=899.0, currency="CNY"),)
    )
    verdict = verify_sentence("The Sonvale Aria costs 799 yuan.", facts, focus_sku="EA-1001")
    store = SqlTranscriptStore(engine)
    store.write(
        [
            TurnRecord("seed-zh-1", "seed-zh", "m1", "user", "我想退货，怎么办？", lang="zh"),
            TurnRecord("seed-en-1", "seed-en", "m1", "user", "How much is the Aria?", lang="en"),
            TurnRecord(
                "seed-en-2",
                "seed-en",
                "m1:answer",
                "assistant",
                verdict.text_to_send or "",
                lang="en",
                intent="product_question",
                claims=[verdict.to_dict()],
                failed_checks=1,
            ),
        ]
    )


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is missing: run `make browser-deps`")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


def shot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"console-{name}.png"), full_page=True)


def _context(browser: Any, shop: KefuServer) -> tuple[Any, Any, list[str]]:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, base_url=shop.url)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    return context, page, errors


def _log_in(page: Any) -> None:
    page.goto("/console")
    page.wait_for_url(re.compile(r"/console/login"))
    page.fill("input[name=email]", AGENT)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/console/?$"))


def test_review_then_live_handoff(browser: Any, shop: KefuServer) -> None:
    staff_ctx, staff, staff_errors = _context(browser, shop)
    _log_in(staff)
    assert staff.locator("#inbox tbody tr[data-conversation-id]").count() >= 2

    # filter: only conversations with a failed verification
    staff.check("input[name=failed]")
    staff.click("form.filters button[type=submit]")
    staff.wait_for_url(re.compile(r"failed=1"))
    rows = staff.locator("#inbox tbody tr[data-conversation-id]")
    assert [rows.nth(i).get_attribute("data-conversation-id") for i in range(rows.count())] == [
        "seed-en"
    ]
    # full-text search in Chinese
    staff.goto("/console?q=退货")
    rows = staff.locator("#inbox tbody tr[data-conversation-id]")
    assert rows.count() == 1 and rows.first.get_attribute("data-conversation-id") == "seed-zh"
    shot(staff, "01-inbox-search")

    staff.goto("/console/c/seed-en")
    assert staff.locator(".verdict.contradicted").count() >= 1
    assert "899" in staff.locator("#turns").inner_text()  # what the price was checked against
    shot(staff, "02-transcript-verdicts")

    # the shopper, in a browser of their own
    shopper_ctx, shopper, shopper_errors = _context(browser, shop)
    shopper.goto("/p/EA-1001?lang=en")
    shopper.locator("button.launch").click()
    staff.goto("/console/queue")
    staff.wait_for_function("document.body.dataset.live === 'on'")
    _ask(shopper, "I want to talk to a human please")
    shopper.locator(".msg.bot").first.wait_for(timeout=30_000)

    # the queue updates live: the page reloads with the new waiting conversation
    row = staff.locator("#queue tbody tr[data-conversation-id]").first
    row.wait_for(timeout=15_000)
    cid = row.get_attribute("data-conversation-id")
    staff.wait_for_function("document.getElementById('queue-badge').textContent === '1'")
    shot(staff, "03-queue-waiting")
    # The take-over's answer is held until its own owner event has reached the page, which
    # once reloaded the queue and left the agent there instead of in the conversation.
    staff.route(re.compile(r"/take-over$"), _answer_after_the_live_event)
    row.locator("form.take-over button").click()
    staff.wait_for_url(re.compile(rf"/console/c/{cid}"))
    staff.unroute(re.compile(r"/take-over$"))
    staff.locator("#live-reply").wait_for(timeout=10_000)

    bot_answers = shopper.locator(".msg.bot").count()
    _ask(shopper, "My parcel has not arrived, can you check?")
    staff.locator("#live-messages .bubble.user", has_text="parcel has not arrived").wait_for(
        timeout=15_000
    )
    staff.fill("#live-text", "Hi, this is Li from the shop. I am checking it now.")
    staff.press("#live-text", "Enter")
    shopper.locator(".msg.staff", has_text="I am checking it now").wait_for(timeout=15_000)
    time.sleep(2)  # the bot had time to speak, and must not have
    assert shopper.locator(".msg.bot").count() == bot_answers
    shot(shopper, "04-shopper-with-staff")
    shot(staff, "05-staff-live")

    staff.click("button[data-action=hand-back]")
    staff.locator("#live-owner", has_text="bot").wait_for(timeout=10_000)
    _ask(shopper, "How much are these headphones?")
    shopper.locator(".msg.bot").nth(bot_answers).wait_for(timeout=60_000)
    shot(shopper, "06-bot-answers-again")

    assert not staff_errors and not shopper_errors, staff_errors + shopper_errors
    staff_ctx.close()
    shopper_ctx.close()


def _answer_after_the_live_event(route: Any) -> None:
    response = route.fetch()  # the server takes over and sends the owner event now
    time.sleep(1.5)  # the browser receives it over the live socket meanwhile
    route.fulfill(response=response)


def _ask(page: Any, text: str) -> None:
    box = page.locator("#kefu-input")
    box.fill(text)
    box.press("Enter")
