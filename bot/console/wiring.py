"""Connect the live bus to this process's parts: dialogue, web channel, staff consoles.

handoff (any process) ──owner──►  bus ──► web gateway (silence the bot), consoles
transcript logged      ──message─► bus ──► consoles
shopper/staff typing   ──typing──► bus ──► widget / consoles
web event logged       ──events──► bus ──► web gateways holding that shopper's socket
"""

from __future__ import annotations

import asyncio
import json
import logging

from bot.bus import LiveEvent
from bot.console.context import ConsoleContext
from bot.console.hub import ConsoleSocket
from dialogue.conversations import HandoffEvent
from dialogue.privacy import mask_pii
from dialogue.transcripts import TurnRecord

log = logging.getLogger(__name__)
LIVE_ROLES = ("user", "assistant", "staff")


def connect_live(ctx: ConsoleContext) -> None:
    """Subscribe once per process, before serving."""
    pending: set[asyncio.Task[None]] = set()

    async def on_handoff(event: HandoffEvent) -> None:
        await _publish(
            ctx,
            LiveEvent(
                kind="owner",
                conversation_id=event.conversation_id,
                owner=event.owner,
                staff=event.staff or "",
                reason=event.reason,
            ),
        )

    def on_record(record: TurnRecord) -> None:
        if record.role not in LIVE_ROLES:
            return
        event = LiveEvent(
            kind="message",
            conversation_id=record.conversation_id,
            channel=record.channel,
            role=record.role,
            staff=record.author,
            text=record.text[:8000],
            message_id=record.message_id,
        )
        task = asyncio.get_running_loop().create_task(_publish(ctx, event))
        pending.add(task)
        task.add_done_callback(pending.discard)

    ctx.conversations.subscribe(on_handoff)
    if ctx.transcripts is not None:
        ctx.transcripts.observe(on_record)
    ctx.bus.subscribe(lambda event: _receive(ctx, event))


async def _publish(ctx: ConsoleContext, event: LiveEvent) -> None:
    try:
        await ctx.bus.publish(event)
    except Exception:  # live views are best effort; the record is in the database
        log.warning("could not publish a live %s event", event.kind)


async def _receive(ctx: ConsoleContext, event: LiveEvent) -> None:
    gateway = ctx.gateway
    if gateway is not None:
        if event.kind == "events":
            await gateway.refresh(event.conversation_id, event.seq)
        elif event.kind == "frame":
            gateway.relay(event.conversation_id, event.frame, event.origin)
        elif event.kind == "owner" and event.owner == "staff":
            gateway.silence(event.conversation_id)
        elif event.kind == "typing" and event.who == "staff":
            gateway.staff_typing(event.conversation_id, event.staff)
    if event.kind not in ("events", "frame"):
        ctx.hub.broadcast(lambda socket: console_frame(event, socket))


def console_frame(event: LiveEvent, socket: ConsoleSocket) -> str | None:
    """The event as a console sees it: shoppers' personal data masked for agents."""
    text = event.text if socket.is_admin else mask_pii(event.text).text
    return json.dumps(
        {
            "kind": event.kind,
            "conversation_id": event.conversation_id,
            "channel": event.channel,
            "owner": event.owner,
            "staff": event.staff,
            "role": event.role,
            "who": event.who,
            "text": text,
            "reason": event.reason,
            "at": event.at.isoformat(),
        },
        ensure_ascii=False,
    )
