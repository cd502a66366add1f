"""How an answer appears while it is made: drafts, throttled edits, typing, failures."""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from aiogram.types import Update

from bot.telegram.settings import TelegramSettings
from dialogue.types import Answer, AnswerEvent, Citation, SentenceOut, Typing, UserTurn
from tests.telegram.conftest import BotEnv, running_bot, telegram_settings
from tests.telegram.harness import (
    ChatUser,
    Emulator,
    answers,
    emulator_http,
    emulator_stats,
    new_token,
)


@dataclass
class SlowTeller:
    """Streams `count` numbered sentences, `gap` seconds apart; can fail after some."""

    count: int = 6
    gap: float = 0.3
    fail_after: int | None = None
    turns: list[UserTurn] = field(default_factory=list)

    async def handle(self, turn: UserTurn) -> AsyncIterator[AnswerEvent]:
        self.turns.append(turn)
        yield Typing()
        lines = [f"Sentence {i}." for i in range(1, self.count + 1)]
        for index, line in enumerate(lines):
            if self.fail_after is not None and index == self.fail_after:
                raise RuntimeError("the language model went away")
            await asyncio.sleep(self.gap)
            yield SentenceOut(line, (Citation(f"doc/faq.md#q{index}"),))
        yield Answer(
            turn_id=f"t-{turn.message_id}",
            text=" ".join(lines),
            lang="en",
            intent="product_question",
        )


@pytest.fixture(scope="module")
def draft_emulator() -> Iterator[Emulator]:
    from tests.telegram.harness import require_emulator

    require_emulator()
    running = Emulator(limits=True, drafts=True)
    yield running
    running.stop()


async def _ask(
    settings: TelegramSettings,
    teller: SlowTeller,
    user_id: int,
    chat_type: str = "private",
    chat_id: int = 0,
) -> tuple[list[dict[str, Any]], ChatUser]:
    """Ask one question of a bot running with `settings`; what the chat shows, and the user."""
    token = settings.telegram_token.get_secret_value()
    http = httpx.AsyncClient(base_url=settings.telegram_api_url, timeout=30)
    user = ChatUser(http, token, user_id, chat_id=chat_id, chat_type=chat_type)
    async with running_bot(settings, teller):
        await user.send("@TestNameBot tell me" if chat_type != "private" else "tell me")
        await user.wait_answers(1)
        return await user.bot_messages(), user


async def test_without_drafts_one_message_is_edited_at_most_once_a_second(
    emulator: Emulator,
) -> None:
    settings = telegram_settings(emulator.url, new_token())
    [message], user = await _ask(settings, SlowTeller(count=6, gap=0.3), 4001)
    await user.http.aclose()
    assert message["text"].startswith(
        "Sentence 1. Sentence 2. Sentence 3. Sentence 4. "
        "Sentence 5. Sentence 6.\n\nSources: faq › q0; faq › q1"
    )
    edits = message["editTimes"]
    assert len(edits) >= 2  # streamed, then the final text with its buttons
    times = [message["time"], *edits]
    assert min(b - a for a, b in itertools.pairwise(times)) >= 950  # milliseconds
    assert (await emulator_stats(emulator.url, user.token))["tooManyRequests"] == []


async def test_typing_is_refreshed_while_the_answer_is_made(emulator: Emulator) -> None:
    settings = telegram_settings(emulator.url, new_token(), telegram_typing_interval_s=0.5)
    assert TelegramSettings(_env_file=None).telegram_typing_interval_s == 4.0  # the default
    async with emulator_http(emulator.url) as http, running_bot(settings, SlowTeller(gap=0.4)):
        user = ChatUser(http, settings.telegram_token.get_secret_value(), 4002)
        started = time.time() * 1000
        await user.send("tell me")
        await user.wait_answers(1)
        actions = await user.chat_actions()
    stamps = [a["at"] for a in actions]
    assert {a["action"] for a in actions} == {"typing"} and len(stamps) >= 4
    assert stamps[0] - started < 1000
    gaps = [b - a for a, b in itertools.pairwise(stamps)]
    assert all(400 <= g <= 900 for g in gaps), gaps


async def test_drafts_stream_in_private_chats_when_the_server_supports_them(
    draft_emulator: Emulator,
) -> None:
    settings = telegram_settings(draft_emulator.url, new_token())
    messages, user = await _ask(settings, SlowTeller(count=5, gap=0.4), 4003)
    drafts = await user.drafts()
    assert len(drafts) >= 2
    assert drafts[0]["text"].startswith("Sentence 1.") and drafts[-1]["text"].endswith(" …")
    assert len({d["draftId"] for d in drafts}) == 1  # one animated draft
    gaps = [b["at"] - a["at"] for a, b in itertools.pairwise(drafts)]
    assert min(gaps) >= 950
    [final] = messages  # the final text is a normal message, never edited
    assert final["editTimes"] == [] and final["text"].startswith("Sentence 1. Sentence 2.")

    # groups have no drafts: the same bot edits a message there
    group, member = await _ask(
        settings, SlowTeller(count=3, gap=0.4), 4004, chat_type="group", chat_id=-4004
    )
    assert await member.drafts() == [] and group[0]["editTimes"]
    await user.http.aclose()
    await member.http.aclose()


async def test_without_draft_support_the_bot_learns_to_edit(bot_env: BotEnv) -> None:
    assert bot_env.gateway.services.drafts.usable  # wanted, not yet refused
    bot_env.shop.delay = 0.3  # slow enough for the answer to stream
    user = bot_env.user(4005)
    await user.send("earbuds?")
    await user.wait_answers(1)
    assert bot_env.gateway.services.drafts.refused


async def test_a_failing_turn_ends_with_an_apology(emulator: Emulator) -> None:
    settings = telegram_settings(emulator.url, new_token())
    token = settings.telegram_token.get_secret_value()
    async with emulator_http(emulator.url) as http, running_bot(settings, SlowTeller(fail_after=2)):
        user = ChatUser(http, token, 4006)
        await user.send("tell me")
        messages = await user.wait_for(
            lambda ms: bool(ms) and ms[-1].get("text", "").startswith("Sorry"), what="apology"
        )
    assert len(messages) == 1  # the streamed sentences gave way to the apology


async def test_a_redelivered_update_is_answered_once(bot_env: BotEnv) -> None:
    raw = {
        "update_id": 5_000_001,
        "message": {
            "message_id": 77,
            "date": int(time.time()),
            "text": "how much are the earbuds?",
            "chat": {"id": 4007, "type": "private"},
            "from": {"id": 4007, "is_bot": False, "first_name": "Ann"},
        },
    }
    bot = bot_env.gateway.bot
    update = Update.model_validate(raw, context={"bot": bot})
    dispatcher = bot_env.gateway.dispatcher
    await asyncio.gather(dispatcher.feed_update(bot, update), dispatcher.feed_update(bot, update))
    await dispatcher.feed_update(bot, update)
    user = bot_env.user(4007)
    messages = await user.wait_for(lambda ms: len(ms) >= 2, what="the answer and its card")
    await user.stays_quiet(1.5, known=len(messages))
    assert len(answers(messages)) == 1 and len(messages) == 2
    assert len(bot_env.shop.turns) == 3  # the dialogue manager saw the same message id thrice
    assert {t.message_id for t in bot_env.shop.turns} == {"tg:4007:77"}
