"""Live handoff from the console: take over, reply, typing, hand back, close — and refusals."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlmodel import Session, col, select

from bot.console.staff_tables import AuditEntry
from bot.web.events import StaffEvent, UserEvent
from bot.web.protocol import StaffTypingFrame
from dialogue.transcript_tables import Conversation, Turn
from tests.console.live_fixtures import LiveConsole, build_live_console, drain, running
from tests.web.conftest import PRODUCTS


class Frames:
    """A widget socket's view of a conversation."""

    def __init__(self) -> None:
        self.frames: list[dict[str, object]] = []

    def deliver(self, frame: str) -> None:
        self.frames.append(json.loads(frame))

    def of_type(self, kind: str) -> list[dict[str, object]]:
        return [f for f in self.frames if f.get("type") == kind]


@pytest.fixture
async def console(tmp_path: Path) -> AsyncIterator[LiveConsole]:
    async for live in running(build_live_console(tmp_path, PRODUCTS)):
        yield live


async def _waiting_web_conversation(console: LiveConsole) -> str:
    info = await console.gateway.start("demo", "en", None)
    await console.ctx.conversations.load(info.id, "web")
    await console.ctx.conversations.apply(info.id, "request_human", reason="asked")
    return info.id


def _audit_actions(console: LiveConsole, conversation_id: str) -> list[str]:
    with Session(console.engine) as session:
        rows = session.exec(
            select(AuditEntry).where(col(AuditEntry.conversation_id) == conversation_id)
        ).all()
    return [r.action for r in rows]


async def test_queue_take_over_reply_hand_back_close(console: LiveConsole) -> None:
    watcher = console.listen()
    cid = await _waiting_web_conversation(console)
    owner_events = [json.loads(f) for f in await drain(watcher)]
    assert {"kind": "owner", "owner": "waiting"}.items() <= owner_events[-1].items()

    agent = console.staff("li@shop.example", name="Li")
    queue = await agent.client.get("/console/queue.json")
    assert [c["id"] for c in queue.json()["waiting"]] == [cid]
    page = await agent.client.get("/console/queue")
    assert cid in page.text and "Take over" in page.text

    # the shopper's widget is on this conversation
    widget = Frames()
    room = await console.gateway.attach(cid, widget, after_seq=0)

    assert (await agent.post(f"/console/c/{cid}/reply", text="hello")).status_code == 409
    taken = await agent.post(f"/console/c/{cid}/take-over")
    assert taken.status_code == 200, taken.text
    assert taken.json() == {"conversation_id": cid, "owner": "staff", "staff": "li@shop.example"}

    other = console.staff("wang@shop.example", name="Wang")
    assert (await other.post(f"/console/c/{cid}/take-over")).status_code == 409
    assert (await other.post(f"/console/c/{cid}/reply", text="me too")).status_code == 409

    assert (await agent.post(f"/console/c/{cid}/typing")).status_code == 204
    await asyncio.sleep(0.05)
    assert widget.of_type("staff_typing") == [StaffTypingFrame(author="Li").model_dump()]

    reply = await agent.post(f"/console/c/{cid}/reply", text="Write to me at li.ming@example.com")
    assert reply.status_code == 200 and reply.json()["delivered"] == "web"
    staff_frames = widget.of_type("staff")
    assert staff_frames[-1]["text"] == "Write to me at li.ming@example.com"
    assert staff_frames[-1]["author"] == "Li"  # a name, never the staff member's email
    frames = [json.loads(f) for f in await drain(watcher)]
    said = [f for f in frames if f["kind"] == "message"]
    assert said and said[-1]["role"] == "staff"
    assert "li.ming@example.com" not in said[-1]["text"]  # agents see shoppers' data masked

    back = await agent.post(f"/console/c/{cid}/hand-back")
    assert back.json()["owner"] == "bot"
    closed = await agent.post(f"/console/c/{cid}/close", resolved="true")
    assert closed.json()["owner"] == "closed"
    assert widget.of_type("closed")

    await console.transcripts.flush()
    with Session(console.engine) as session:
        row = session.get(Conversation, cid)
        turns = session.exec(select(Turn).where(col(Turn.conversation_id) == cid)).all()
    assert row is not None and row.owner == "closed" and row.resolved is True
    assert [(t.role, t.author) for t in turns] == [("staff", "li@shop.example")]
    assert _audit_actions(console, cid) == ["take_over", "reply", "hand_back", "close"]
    console.gateway.detach(room, widget)


async def test_every_change_needs_the_csrf_token(console: LiveConsole) -> None:
    cid = await _waiting_web_conversation(console)
    agent = console.staff("li@shop.example")
    for path in ("take-over", "hand-back", "typing", "reply", "close"):
        response = await agent.client.post(f"/console/c/{cid}/{path}", data={"text": "x"})
        assert response.status_code == 403, path
    with Session(console.engine) as session:
        assert session.get(Conversation, cid).owner == "waiting"  # type: ignore[union-attr]


async def test_unknown_conversation_is_404(console: LiveConsole) -> None:
    agent = console.staff("li@shop.example")
    assert (await agent.post("/console/c/nope/take-over")).status_code == 404
    assert (await agent.client.get("/console/c/nope/live")).status_code == 404


async def test_take_over_stops_an_answer_in_flight(console: LiveConsole) -> None:
    agent = console.staff("li@shop.example")
    console.manager.delay = 1.0  # each sentence takes a while
    info = await console.gateway.start("demo", "en", None)
    await console.ctx.conversations.load(info.id, "web")
    widget = Frames()
    room = await console.gateway.attach(info.id, widget, after_seq=0)  # held, as a socket does
    submitted = await console.gateway.submit(info, UserEvent(id="m1", text="price?"))
    assert submitted.turn is not None
    while not widget.of_type("sentence"):  # the first sentence is out, the second is coming
        await asyncio.sleep(0.02)
    assert (await agent.post(f"/console/c/{info.id}/take-over")).status_code == 200
    answer = await asyncio.wait_for(submitted.turn.done, 5)
    assert answer.owner == "staff"
    assert len(widget.of_type("sentence")) == 1  # the bot said no more after the take-over
    assert answer.text == widget.of_type("sentence")[0]["text"]
    console.gateway.detach(room, widget)


async def test_live_panel_shows_summary_and_actions(console: LiveConsole) -> None:
    cid = await _waiting_web_conversation(console)
    from dialogue.transcripts import TurnRecord

    console.transcripts.log(TurnRecord("t1", cid, "m1", "user", "Is the kettle 2 litres?"))
    console.transcripts.log(
        TurnRecord(
            "t2",
            cid,
            "m1:answer",
            "assistant",
            "It holds 1.7 litres.",
            intent="product_question",
            citations=["KT-2001#capacity"],
            claims=[
                {
                    "sentence": "It holds 2 litres.",
                    "action": "repair",
                    "claims": [
                        {
                            "claim": {"text": "2 litres"},
                            "verdict": "contradicted",
                            "expected": "1.7 L",
                        }
                    ],
                }
            ],
            failed_checks=1,
        )
    )
    await console.transcripts.flush()
    agent = console.staff("li@shop.example")
    panel = await agent.client.get(f"/console/c/{cid}/live")
    assert panel.status_code == 200
    html = panel.text
    assert "Take over" in html and "Is the kettle 2 litres?" in html
    assert "KT-2001" in html and "contradicted" in html and "1.7 L" in html
    assert 'id="live-reply"' not in html  # no reply box before taking over
    await agent.post(f"/console/c/{cid}/take-over")
    assert 'id="live-reply"' in (await agent.client.get(f"/console/c/{cid}/live")).text


async def test_staff_events_reach_a_socket_held_by_another_gateway(tmp_path: Path) -> None:
    """Two gateways over one store and one bus: what one process logs, the other replays."""
    from bot.bus import MemoryBus
    from bot.web.gateway import Gateway
    from bot.web.products import InMemoryProductLookup
    from tests.web.scripted import ScriptedDialogueManager

    bus = MemoryBus()
    first = build_live_console(tmp_path, PRODUCTS, bus=bus)
    second = Gateway(
        ScriptedDialogueManager(PRODUCTS), first.store, InMemoryProductLookup(PRODUCTS), bus=bus
    )

    async def refresh(event: object) -> None:
        await second.refresh(event.conversation_id, event.seq)  # type: ignore[attr-defined]

    bus.subscribe(refresh)
    info = await first.gateway.start("demo", "en", None)
    widget = Frames()
    room = await second.attach(info.id, widget, after_seq=0)  # held, as a socket does
    await first.gateway.post_staff(info.id, "Hello from the other replica", author="Li")
    assert [f["text"] for f in widget.of_type("staff")] == ["Hello from the other replica"]
    seqs = [f["seq"] for f in widget.frames if "seq" in f]
    assert seqs == sorted(set(seqs))  # in order, none twice
    assert isinstance(StaffEvent.model_validate(widget.of_type("staff")[0]), StaffEvent)
    second.detach(room, widget)


async def test_replies_to_telegram_go_through_the_telegram_gateway(console: LiveConsole) -> None:
    class RecordingTelegram:
        def __init__(self) -> None:
            self.sent: list[tuple[str, str, str, str]] = []
            self.typing: list[str] = []

        async def send_staff(
            self, conversation_id: str, staff_name: str, body: str, *, message_id: str
        ) -> bool:
            self.sent.append((conversation_id, staff_name, body, message_id))
            return True

        async def send_typing(self, conversation_id: str) -> None:
            self.typing.append(conversation_id)

    telegram = RecordingTelegram()
    console.ctx.telegram = telegram
    cid = "tg:4242"
    await console.ctx.conversations.load(cid, "telegram")
    await console.ctx.conversations.apply(cid, "request_human", reason="complaint")
    agent = console.staff("li@shop.example", name="Li")
    await agent.post(f"/console/c/{cid}/take-over")
    assert (await agent.post(f"/console/c/{cid}/typing")).status_code == 204
    assert telegram.typing == [cid]
    reply = await agent.post(f"/console/c/{cid}/reply", text="Sorry about that, refund sent.")
    assert reply.json()["delivered"] == "telegram"
    turn_id = reply.json()["turn_id"]
    assert telegram.sent == [(cid, "Li", "Sorry about that, refund sent.", turn_id)]


async def test_sentences_stream_to_a_socket_held_by_another_gateway(tmp_path: Path) -> None:
    """The answer is made on one replica; the shopper's socket is on the other."""
    from bot.bus import LiveEvent, MemoryBus
    from bot.web.gateway import Gateway
    from bot.web.products import InMemoryProductLookup
    from tests.web.scripted import ScriptedDialogueManager

    bus = MemoryBus()
    first = build_live_console(tmp_path, PRODUCTS, bus=bus)
    first.manager.delay = 0.2
    second = Gateway(
        ScriptedDialogueManager(PRODUCTS), first.store, InMemoryProductLookup(PRODUCTS), bus=bus
    )

    async def on_second(event: LiveEvent) -> None:
        if event.kind == "frame":
            second.relay(event.conversation_id, event.frame, event.origin)
        elif event.kind == "events":
            await second.refresh(event.conversation_id, event.seq)

    bus.subscribe(on_second)
    info = await first.gateway.start("demo", "en", None)
    widget = Frames()
    room = await second.attach(info.id, widget, after_seq=0)  # held, as a socket does
    submitted = await first.gateway.submit(info, UserEvent(id="s1", text="price?"))
    assert submitted.turn is not None
    answer = await asyncio.wait_for(asyncio.shield(submitted.turn.done), 10)
    await asyncio.sleep(0.05)
    kinds = [f["type"] for f in widget.frames]
    # streamed sentence by sentence before the logged answer, not only at its end
    assert kinds.count("sentence") == 2 and kinds.index("sentence") < kinds.index("answer")
    assert widget.of_type("answer")[0]["text"] == answer.text
    second.detach(room, widget)
    await first.gateway.shutdown()


async def test_an_unreachable_redis_is_a_clear_error_at_start() -> None:
    from bot.bus import LiveBusError, RedisBus

    bus = RedisBus("redis://127.0.0.1:1/0")  # nothing listens on port 1
    with pytest.raises(LiveBusError, match="did not answer"):
        await bus.start()
    await bus.close()


async def test_an_admin_may_pick_up_what_an_agent_owns(console: LiveConsole) -> None:
    cid = await _waiting_web_conversation(console)
    agent = console.staff("li@shop.example")
    colleague = console.staff("wang@shop.example")
    admin = console.staff("boss@shop.example", role="admin")
    assert (await agent.post(f"/console/c/{cid}/take-over")).status_code == 200
    assert (await colleague.post(f"/console/c/{cid}/take-over")).status_code == 409
    moved = await admin.post(f"/console/c/{cid}/take-over")
    assert moved.status_code == 200 and moved.json()["staff"] == "boss@shop.example"
    assert (await agent.post(f"/console/c/{cid}/reply", text="still me?")).status_code == 409
