"""The inbox: filters, Chinese and English message search, paging, figures' drill-down, masking."""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlmodel import Session

from dialogue.transcript_tables import Conversation
from dialogue.transcripts import SqlTranscriptStore, TurnRecord
from tests.console.live_fixtures import LiveConsole, build_live_console, running
from tests.support.databases import engine_for
from tests.web.conftest import PRODUCTS

NOW = datetime.now(UTC)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def console(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[LiveConsole]:
    for engine in engine_for(request.param, tmp_path):
        live = build_live_console(tmp_path, PRODUCTS, engine=engine)
        _seed(live)
        async for ready in running(live):
            yield ready


def _seed(console: LiveConsole) -> None:
    store = SqlTranscriptStore(console.engine)
    store.write(
        [
            TurnRecord("zh-1", "c-zh", "m1", "user", "我想退货，耳机有问题", channel="telegram"),
            TurnRecord("zh-2", "c-zh", "m1:a", "assistant", "7天内可退。", intent="return_policy"),
            TurnRecord("en-1", "c-en", "m1", "user", "Where is my order? Mail ann@example.com"),
            TurnRecord(
                "en-2", "c-en", "m1:a", "assistant", "It ships today.", intent="track_order",
                failed_checks=1,
            ),
            TurnRecord("old-1", "c-old", "m1", "user", "Do you sell kettles?"),
        ]
    )  # fmt: skip
    changes = {
        "c-zh": {"lang": "zh", "owner": "waiting", "handed_off": True, "csat": 2},
        "c-en": {"lang": "en", "csat": 5},
        "c-old": {"lang": "en", "owner": "closed", "started_at": NOW - timedelta(days=40)},
    }
    with Session(console.engine) as session:
        for cid, values in changes.items():
            row = session.get(Conversation, cid)
            assert row is not None
            for name, value in values.items():
                setattr(row, name, value)
            session.add(row)
        session.commit()


async def _ids(console: LiveConsole, query: str, role: str = "agent") -> list[str]:
    staff = console.staff(f"{role}-{uuid.uuid4().hex[:8]}@shop.example", role=role)
    page = await staff.client.get(f"/console{query}")
    assert page.status_code == 200, page.text
    return re.findall(r'<tr data-conversation-id="([^"]+)"', page.text)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", {"c-zh", "c-en", "c-old"}),
        ("?owner=waiting", {"c-zh"}),
        ("?channel=telegram", {"c-zh"}),
        ("?lang=en", {"c-en", "c-old"}),
        ("?intent=track_order", {"c-en"}),
        ("?failed=1", {"c-en"}),
        ("?handed_off=1", {"c-zh"}),
        ("?csat=5", {"c-en"}),
        (f"?from={(NOW - timedelta(days=2)).date()}", {"c-zh", "c-en"}),
        (f"?to={(NOW - timedelta(days=30)).date()}", {"c-old"}),
        ("?q=退货", {"c-zh"}),
        ("?q=order", {"c-en"}),
        ("?q=kettles&lang=en", {"c-old"}),
        ("?q=nothing+like+this", set()),
        ('?q=" OR 1=1 --', set()),
    ],
)
async def test_filters_and_search(console: LiveConsole, query: str, expected: set[str]) -> None:
    assert set(await _ids(console, query)) == expected


async def test_bad_filters_are_a_clear_422(console: LiveConsole) -> None:
    staff = console.staff("li@shop.example")
    assert (await staff.client.get("/console?csat=lots")).status_code == 422
    assert (await staff.client.get("/console?from=yesterday")).status_code == 422


async def test_agents_see_personal_data_masked(console: LiveConsole) -> None:
    staff = console.staff("li@shop.example")
    page = (await staff.client.get("/console?q=order")).text
    assert "ann@example.com" not in page and "@example.com" in page
    admin = console.staff("boss@shop.example", role="admin")
    assert "ann@example.com" in (await admin.client.get("/console?q=order")).text


async def test_a_figure_lists_its_conversations(console: LiveConsole) -> None:
    day = NOW.date()
    ids = await _ids(console, f"/conversations?metric=handoff&from={day}&to={day}")
    assert ids == ["c-zh"]
    assert set(await _ids(console, "/conversations?ids=c-en,c-old")) == {"c-en", "c-old"}
    staff = console.staff("li@shop.example")
    assert (await staff.client.get("/console/conversations")).status_code == 422
    assert (await staff.client.get("/console/conversations?metric=nonsense")).status_code == 422


async def test_paging(console: LiveConsole) -> None:
    from bot.console.inbox_query import PAGE_SIZE, InboxFilters, inbox_page

    store = SqlTranscriptStore(console.engine)
    store.write(
        [TurnRecord(f"p-{i}", f"page-{i:03d}", "m", "user", "hello") for i in range(PAGE_SIZE + 5)]
    )
    first = inbox_page(console.engine, InboxFilters())
    second = inbox_page(console.engine, InboxFilters(page=2))
    assert first.has_more and len(first.rows) == PAGE_SIZE
    assert not second.has_more and len(second.rows) == 3 + 5
    assert not {r.id for r in first.rows} & {r.id for r in second.rows}
