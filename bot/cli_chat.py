"""`kefu chat`: talk to the assistant in the terminal, answers streamed sentence by sentence."""

from __future__ import annotations

import asyncio
import sys
import uuid

import typer

from bot.assistant import start_assistant
from dialogue.types import Answer, CardsOut, SentenceOut, UserTurn


def chat_command(
    sku: str = typer.Option(None, help="Act as if on this product's page."),
    customer: int = typer.Option(None, help="A verified customer id (for order questions)."),
    lang: str = typer.Option("", help="zh or en; by default each message decides."),
) -> None:
    """Chat with the shop assistant in the terminal (Ctrl-D to quit)."""
    asyncio.run(_chat(sku, customer, lang))


async def _chat(sku: str | None, customer: int | None, lang: str) -> None:
    typer.echo("Loading the shop and the models…", err=True)
    runtime = await start_assistant(demo_if_empty=True)
    conversation = f"terminal-{uuid.uuid4().hex[:8]}"
    try:
        while True:
            line = await asyncio.to_thread(_read_line)
            if line is None:
                break
            if not line.strip():
                continue
            turn = UserTurn(conversation, "terminal", line, locale=lang, page_sku=sku,
                            customer_id=customer)
            async for event in runtime.manager.handle(turn):
                _render(event)
    finally:
        await runtime.aclose()


def _read_line() -> str | None:
    try:
        return input("you> ")
    except EOFError:
        return None


def _render(event: object) -> None:
    if isinstance(event, SentenceOut):
        refs = " ".join(f"[{c.ref}]" for c in event.citations)
        typer.echo(f"kefu> {event.text} {refs}".rstrip())
    elif isinstance(event, CardsOut):
        for number, card in enumerate(event.cards, 1):
            price = f"{card.price:g} {card.currency}" if card.price is not None else ""
            stock = "" if card.in_stock is None else (" in stock" if card.in_stock else " sold out")
            typer.echo(f"  {number}. {card.title} — {price}{stock} ({card.sku})")
            if card.reason:
                typer.echo(f"     {card.reason}")
    elif isinstance(event, Answer) and event.handed_off:
        typer.echo("  (a colleague has been asked to join)")
    sys.stdout.flush()
