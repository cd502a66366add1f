"""Run `grounded_answer` on a scripted model reply, for tests of what reaches the shopper."""

from __future__ import annotations

import asyncio

from dialogue.grounded import GroundedResult, grounded_answer
from dialogue.lm.scripted import ScriptedLM
from dialogue.lm.types import GenerationParams
from dialogue.verify import FactSet
from dialogue.verify.extractive import SentenceSimilarity


def scripted_answer(
    facts: FactSet,
    reply: str,
    question: str,
    focus_sku: str,
    similarity: SentenceSimilarity | None = None,
    min_relevance: float | None = None,
) -> tuple[list[str], GroundedResult]:
    """The sentences sent when the model replies `reply`, and what was recorded."""
    result = GroundedResult()

    async def run() -> list[str]:
        stream = grounded_answer(
            question,
            facts,
            lang="en",
            focus_sku=focus_sku,
            lm=ScriptedLM([reply]),
            params=GenerationParams(max_new_tokens=200),
            result=result,
            similarity=similarity,
            min_relevance=min_relevance,
        )
        return [out.text async for out in stream]

    return asyncio.run(run()), result
