"""The demo shop and the widget in a real headless Chromium (Debian's), through uvicorn.

Screenshots go to test-artifacts/. The dialogue manager is the scripted one, with a
delay between sentences so streaming and a mid-answer socket drop can be seen.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from bot.web import WebSettings, create_app
from bot.web.products import SqlProductLookup
from bot.web.ratelimit import MemoryRateLimiter
from bot.web.sql_store import SqlConversationStore
from catalog.db import create_db_engine, init_schema
from catalog.demo import IMAGES_DIR, PRODUCTS_FILE
from catalog.ingest import ingest_catalog
from tests.support.browser import ARGS, ARTIFACTS, CHROMIUM
from tests.web.live_server import LiveServer
from tests.web.scripted import ScriptedDialogueManager

pytestmark = pytest.mark.browser

SENTENCE_DELAY = 0.3


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is missing: run `make browser-deps`")
    tmp = tmp_path_factory.mktemp("browser")
    engine = create_db_engine(f"sqlite:///{tmp / 'kefu.db'}")
    init_schema(engine)
    ingest_catalog(engine, PRODUCTS_FILE)
    products = SqlProductLookup(engine)
    # Playwright's sync API owns this thread's event loop: run coroutines elsewhere.
    with ThreadPoolExecutor(1) as pool:
        catalog = pool.submit(asyncio.run, products.list(limit=500)).result()
    manager = ScriptedDialogueManager(catalog, delay=SENTENCE_DELAY)
    store = SqlConversationStore(engine)
    store.create_tables()
    settings = WebSettings(
        product_images_dir=IMAGES_DIR, redis_url="", allowed_origins=[], identity_secret=""
    )
    app = create_app(manager, store, products, settings, rate_limiter=MemoryRateLimiter())
    with LiveServer(app) as server:
        yield {"server": server, "manager": manager, "store": store, "catalog": catalog}
    engine.dispose()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser: Any, site: dict[str, Any]) -> Iterator[Any]:
    context = browser.new_context(
        viewport={"width": 1280, "height": 860}, base_url=site["server"].url
    )
    pg = context.new_page()
    errors: list[str] = []
    pg.on("pageerror", lambda exc: errors.append(str(exc)))
    yield pg
    context.close()
    assert not errors, errors


# Records, in page time (ms), when the first answer's parts appear in the widget.
WATCH = """() => {
  const root = document.getElementById('kefu-widget').shadowRoot;
  const seen = window.__kefuSeen = {sent: null, typing: null, sentences: [], done: null};
  root.querySelector('form').addEventListener('submit', () => { seen.sent = performance.now(); });
  root.querySelector('#kefu-input').addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && seen.sent === null) seen.sent = performance.now();
  });
  new MutationObserver(() => {
    const now = performance.now();
    if (seen.typing === null && root.querySelector('.typing')) seen.typing = now;
    const bubble = root.querySelector('.msg.bot');
    if (!bubble) return;
    const n = bubble.querySelectorAll('.body .s').length;
    while (seen.sentences.length < n) seen.sentences.push(now);
    if (seen.done === null && bubble.querySelector('.fb')) seen.done = now;
  }).observe(root, {childList: true, subtree: true});
}"""


def shot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"))


def ask(page: Any, text: str) -> None:
    box = page.locator("#kefu-input")
    box.fill(text)
    box.press("Enter")


def answers(page: Any) -> Any:
    return page.locator(".msg.bot")


def wait_answers(page: Any, n: int) -> None:
    # an answer is complete once its thumbs row is there (drawn from the logged event)
    page.locator(".msg.bot .fb").nth(n - 1).wait_for(timeout=15_000)


def test_shop_widget_end_to_end(page: Any, site: dict[str, Any]) -> None:
    page.goto("/?lang=en")
    assert page.locator(".grid .tile").count() >= 40
    shot(page, "01-catalog")
    tile = page.locator(".tile a").first
    tile_sku = tile.get_attribute("data-sku")
    tile.click()
    page.wait_for_url(re.compile(rf"/p/{tile_sku}"))
    assert page.locator("script[data-sku]").get_attribute("data-sku") == tile_sku
    page.goto("/p/EA-1001?lang=en")
    assert "Sonvale Aria" in page.locator("h1").inner_text()

    launcher = page.locator("button.launch")
    launcher.click()
    assert page.locator("#kefu-panel").is_visible()
    assert "AI assistant" in page.locator(".ai").inner_text()

    page.evaluate(WATCH)
    ask(page, "How much are these headphones, and are they in stock?")
    wait_answers(page, 1)
    seen = page.evaluate("() => window.__kefuSeen")
    # Typing first, then the sentences one by one as the manager made them, then the
    # finished answer (its thumbs): streamed, not delivered at the end.
    assert seen["typing"] is not None and seen["typing"] < seen["sentences"][0]
    typing_after = seen["typing"] - seen["sent"]
    assert len(seen["sentences"]) >= 2
    assert seen["sentences"][1] - seen["sentences"][0] >= SENTENCE_DELAY * 1000 * 0.6
    assert seen["done"] >= seen["sentences"][-1]
    first = answers(page).first
    assert "899" in first.inner_text() and "EA-1001#price" in first.locator(".src").inner_text()
    assert first.locator("sup").count() == 2
    assert first.locator(".card").count() == 3
    assert first.locator(".card img").first.evaluate("i => i.complete && i.naturalWidth > 0")
    shot(page, "02-english-answer")

    ask(page, "这款耳机有白色的吗？多少钱？")
    wait_answers(page, 2)
    second = answers(page).nth(1)
    assert "售价 899 元" in second.inner_text() and "目前有货" in second.inner_text()
    assert "主动降噪" in second.locator(".card").first.inner_text()
    shot(page, "03-chinese-answer")

    first.locator(".fb button.up").click()
    assert first.locator(".fb button.up").get_attribute("aria-pressed") == "true"
    cid = page.evaluate("() => JSON.parse(localStorage.getItem(Object.keys(localStorage)[0])).cid")
    store: SqlConversationStore = site["store"]
    server: LiveServer = site["server"]
    deadline = time.monotonic() + 5
    while not server.call(store.feedback(cid)) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert [f.thumbs for f in server.call(store.feedback(cid))] == ["up"]

    # Click a card: a new page, the same conversation, the panel still open.
    target = first.locator(".card").nth(1)
    sku = target.get_attribute("data-sku")
    target.locator("a.t").click()
    page.wait_for_url(re.compile(rf"/p/{sku}"))
    wait_answers(page, 2)
    assert page.locator(".msg.user").count() == 2 and answers(page).count() == 2
    assert page.locator(".msg.bot .fb button.up").first.get_attribute("aria-pressed") == "true"

    page.reload()
    wait_answers(page, 2)
    assert page.locator(".msg.user").count() == 2 and answers(page).count() == 2
    shot(page, "04-after-reload")

    # "More like this" on a card asks for similar products.
    answers(page).nth(1).locator(".card button.more").first.click()
    wait_answers(page, 3)
    assert "more like" in page.locator(".msg.user .tx").nth(2).inner_text().lower()

    # A staff reply while the panel is closed: unread badge, then shown as staff.
    page.keyboard.press("Escape")
    server.call(server.app.state.gateway.post_staff(cid, "Hi, Mei here from the shop.", "Mei"))
    badge = page.locator(".launch .badge")
    badge.wait_for()
    assert badge.inner_text() == "1"
    assert "1 unread" in (launcher.get_attribute("aria-label") or "")
    shot(page, "05a-unread-badge")
    launcher.click()
    assert not badge.is_visible()
    assert "Staff · Mei" in page.locator(".msg.staff").inner_text()
    page.locator("button.end").click()
    page.locator(".stars button").first.wait_for()
    shot(page, "05b-csat-prompt")
    page.locator(".stars button[data-csat='4']").click()
    page.get_by_text("Thank you for your rating!").wait_for()
    shot(page, "05c-rated")
    ratings = [f.csat for f in server.call(store.feedback(cid)) if f.csat]
    assert ratings == [4]
    print(f"typing indicator shown {typing_after:.0f} ms after Enter")


def test_socket_drop_mid_answer_recovers(page: Any, site: dict[str, Any]) -> None:
    sockets: list[Any] = []

    def route(ws: Any) -> None:
        ws.connect_to_server()
        sockets.append(ws)

    page.route_web_socket(re.compile(r".*/ws$"), route)
    page.goto("/p/HK-4005?lang=en")
    page.locator("button.launch").click()
    ask(page, "Tell me about this frying pan")
    page.locator(".msg.bot .s").first.wait_for()
    sockets[-1].close(code=4000, reason="network drop")  # mid-answer
    ask(page, "And the warranty?")  # typed while offline: kept and resent on reconnect
    wait_answers(page, 2)
    page.wait_for_timeout(800)  # any late duplicate would arrive by now
    assert len(sockets) >= 2  # it reconnected
    assert page.locator(".msg.user").count() == 2
    assert answers(page).count() == 2
    for i in range(2):
        sentences = answers(page).nth(i).locator(".body .s").all_inner_texts()
        assert len(sentences) == 2 and len(set(sentences)) == 2, sentences
    assert page.locator(".msg.user.pending").count() == 0
    shot(page, "06-after-socket-drop")
    cid = page.evaluate("() => JSON.parse(localStorage.getItem(Object.keys(localStorage)[0])).cid")
    events = site["server"].call(site["store"].events(cid))
    # The resent message may reach the server while the first answer is still being made,
    # so the log may interleave; what matters is one of each, and every answer to its message.
    users = [e.id for e in events if e.type == "user"]
    replies = [e.reply_to for e in events if e.type == "answer"]
    assert len(users) == 2 and len(set(users)) == 2
    assert sorted(replies) == sorted(users)
    assert events[0].type == "user"


# What has focus inside the widget: "launch", "kefu-input", ... or "" when outside it.
FOCUSED = """() => {
  const host = document.activeElement;
  const inner = host && host.id === 'kefu-widget' ? host.shadowRoot.activeElement : null;
  return inner ? inner.id || inner.className : '';
}"""
IN_PANEL = """() => {
  const host = document.activeElement;
  const inner = host && host.id === 'kefu-widget' ? host.shadowRoot.activeElement : null;
  return !!inner && inner.closest('#kefu-panel') !== null;
}"""


def test_keyboard_only(page: Any) -> None:
    page.goto("/p/EA-1005?lang=zh")
    page.keyboard.press("Shift+Tab")  # from the top of the page, backwards: the launcher
    assert page.evaluate(FOCUSED) == "launch"
    page.keyboard.press("Enter")
    assert page.evaluate(FOCUSED) == "kefu-input"
    page.keyboard.type("这个有货吗？")
    page.keyboard.press("Enter")
    wait_answers(page, 1)
    for _ in range(25):  # Tab around: focus never leaves the open panel
        page.keyboard.press("Tab")
        assert page.evaluate(IN_PANEL)
    page.keyboard.press("Shift+Tab")
    assert page.evaluate(IN_PANEL)
    shot(page, "07-keyboard-focus")
    page.keyboard.press("Escape")
    assert not page.locator("#kefu-panel").is_visible()
    assert page.evaluate(FOCUSED) == "launch"
    assert page.locator("button.launch").get_attribute("aria-label") == "打开聊天"


def test_markup_is_shown_as_text(page: Any, site: dict[str, Any]) -> None:
    page.goto("/?lang=en")
    page.evaluate("() => window.kefu.setProduct('EA-1005')")
    page.locator("button.launch").click()
    evil = '<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script>'
    ask(page, evil)
    wait_answers(page, 1)
    assert page.locator(".msg.user .tx").inner_text() == evil
    assert page.evaluate("() => window.__pwned") is None
    assert page.locator(".msg.user img").count() == 0
    assert site["manager"].calls[-1].page_sku == "EA-1005"  # from window.kefu.setProduct


def test_mobile_layout_is_full_screen(browser: Any, site: dict[str, Any]) -> None:
    context = browser.new_context(
        viewport={"width": 390, "height": 780}, base_url=site["server"].url, is_mobile=True
    )
    pg = context.new_page()
    pg.goto("/p/EA-1001?lang=zh")
    pg.locator("button.launch").click()
    box = pg.locator("#kefu-panel").bounding_box()
    assert box == {"x": 0, "y": 0, "width": 390, "height": 780}
    ask(pg, "多少钱？")
    wait_answers(pg, 1)
    shot(pg, "08-mobile")
    context.close()
