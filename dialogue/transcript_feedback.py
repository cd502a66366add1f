"""Shoppers' thumbs and ratings, copied into the transcript rows that analytics reads.

Channels keep their own record of feedback (the widget's web store, Telegram's
taps); this puts the same signal on `Turn.thumbs` and `Conversation.csat`.
Transcript turns are written in the background, so a thumb can arrive before
its turn row: the copy is then retried a few times later rather than lost, and
a failure never reaches the shopper's request.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session

from dialogue.transcript_tables import Conversation, Turn
from dialogue.types import Feedback

log = logging.getLogger(__name__)

# Seconds to wait before each further try when the transcript row is not written yet.
RETRY_DELAYS = (0.5, 2.0, 5.0, 15.0, 60.0)


@dataclass(frozen=True)
class FeedbackCopy:
    """What one copy did: whether the rows the feedback names were found and updated."""

    thumbs_written: bool = False
    csat_written: bool = False
    wanted_thumbs: bool = False
    wanted_csat: bool = False

    @property
    def complete(self) -> bool:
        return (self.thumbs_written or not self.wanted_thumbs) and (
            self.csat_written or not self.wanted_csat
        )


def copy_feedback(engine: Engine, feedback: Feedback) -> FeedbackCopy:
    """Write the thumb onto its assistant turn and the rating onto its conversation (blocking).

    A thumb only lands on an assistant turn of the same conversation: a turn id
    from another conversation is ignored rather than trusted.
    """
    wanted_thumbs = feedback.thumbs is not None and bool(feedback.turn_id)
    wanted_csat = feedback.csat is not None
    if wanted_csat and not 1 <= (feedback.csat or 0) <= 5:
        raise ValueError(f"CSAT must be 1 to 5, not {feedback.csat}")
    thumbs_written = csat_written = False
    with Session(engine) as session:
        if wanted_thumbs:
            turn = session.get(Turn, feedback.turn_id)
            if (
                turn is not None
                and turn.conversation_id == feedback.conversation_id
                and turn.role == "assistant"
            ):
                turn.thumbs = feedback.thumbs
                session.add(turn)
                thumbs_written = True
        if wanted_csat:
            conversation = session.get(Conversation, feedback.conversation_id)
            if conversation is not None:
                conversation.csat = feedback.csat
                session.add(conversation)
                csat_written = True
        session.commit()
    return FeedbackCopy(thumbs_written, csat_written, wanted_thumbs, wanted_csat)


class TranscriptFeedback:
    """An async feedback sink (a channel's `record_feedback` hook) onto the transcript.

    Calling it never raises and never waits for retries: when the transcript row
    is missing, later tries run in the background until one finds it.
    """

    def __init__(self, engine: Engine, retry_delays: Sequence[float] = RETRY_DELAYS) -> None:
        self.engine = engine
        self.retry_delays = tuple(retry_delays)
        self._retries: set[asyncio.Task[None]] = set()

    async def __call__(self, feedback: Feedback) -> None:
        if await self._try(feedback):
            return
        task = asyncio.get_running_loop().create_task(self._retry(feedback))
        self._retries.add(task)
        task.add_done_callback(self._retries.discard)

    @property
    def pending(self) -> int:
        """Feedback still waiting for its transcript row."""
        return len(self._retries)

    async def wait(self) -> None:
        """Let the pending retries finish (tests and shutdown)."""
        if self._retries:
            await asyncio.gather(*self._retries, return_exceptions=True)

    async def aclose(self) -> None:
        for task in list(self._retries):
            task.cancel()
        await self.wait()

    async def _try(self, feedback: Feedback) -> bool:
        """True when done (copied, or not worth another try)."""
        try:
            copied = await asyncio.to_thread(copy_feedback, self.engine, feedback)
        except ValueError as exc:
            log.warning("feedback not copied to the transcript: %s", exc)
            return True
        except SQLAlchemyError as exc:
            log.warning("transcript unavailable for feedback, will retry: %s", exc)
            return False
        return copied.complete

    async def _retry(self, feedback: Feedback) -> None:
        for delay in self.retry_delays:
            await asyncio.sleep(delay)
            if await self._try(feedback):
                return
        log.warning(
            "feedback for %s (turn %s) found no transcript row; only the channel keeps it",
            feedback.conversation_id,
            feedback.turn_id,
        )
