"""Knowledge gaps: the shoppers' questions the assistant could not answer, grouped by similarity.

A shopper message in scope is unanswered when the next message in its
conversation (system messages aside) is
  - an assistant answer rated thumbs-down,
  - an assistant answer with a failed verification and no citation at all,
  - a staff member's message (a person had to answer it), or
  - nothing, in a conversation that was handed off.
Messages whose intent asks for a person, complains or greets are not questions
about the shop and are left out. The newest `gap_sample` unanswered questions
are read (the SQL does the selection) and grouped in Python by character n-gram
similarity.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Subquery, and_, func, or_, select
from sqlalchemy.sql.elements import ColumnElement

from analytics.filters import Scope
from analytics.similarity import group_similar, normalise
from analytics.sql import CONVERSATION, TURN, conversation_conditions, json_length
from analytics.types import KnowledgeGap

NOT_QUESTIONS = ("contact_human_agent", "complaint", "greeting")
EXAMPLES = 3
LINKED_CONVERSATIONS = 50


def unanswered_questions(scope: Scope) -> tuple[Subquery, ColumnElement[bool]]:
    """The scope's turns in sequence, and the condition that picks the unanswered questions."""
    t, c = TURN.c, CONVERSATION.c

    def next_(column: Any) -> Any:
        """The value of `column` on the conversation's next turn."""
        return func.lead(column).over(partition_by=t.conversation_id, order_by=(t.created_at, t.id))

    # Only conversations that were handed off or have a thumbs-down or failed
    # answer can hold an unanswered question: the index finds them without
    # reading any turn, and only their turns are put in sequence.
    bad_answer = (
        select(TURN.c.id)
        .where(
            TURN.c.conversation_id == c.id,
            TURN.c.role == "assistant",
            or_(TURN.c.thumbs == "down", TURN.c.failed_checks > 0),
        )
        .exists()
    )
    suspects = (
        select(c.id, c.handed_off)
        .where(*conversation_conditions(scope), or_(c.handed_off.is_(True), bad_answer))
        .subquery("suspects")
    )
    sequenced = (
        select(
            t.id,
            t.conversation_id,
            t.role,
            t.intent,
            t.created_at,
            suspects.c.handed_off,
            next_(t.role).label("next_role"),
            next_(t.thumbs).label("next_thumbs"),
            next_(t.failed_checks).label("next_failed"),
            next_(json_length(t.citations)).label("next_cites"),
        )
        .select_from(suspects.join(TURN, t.conversation_id == suspects.c.id))
        .where(t.role.in_(("user", "assistant", "staff")))
        .subquery("sequenced")
    )
    s = sequenced.c
    failed_answer = and_(
        s.next_role == "assistant",
        or_(s.next_thumbs == "down", and_(s.next_failed > 0, s.next_cites == 0)),
    )
    return (
        sequenced,
        and_(
            s.role == "user",
            s.intent.not_in(NOT_QUESTIONS),
            or_(
                failed_answer,
                s.next_role == "staff",
                and_(s.next_role.is_(None), s.handed_off.is_(True)),
            ),
        ),
    )


def knowledge_gaps(connection: Connection, scope: Scope) -> tuple[KnowledgeGap, ...]:
    sequenced, unanswered = unanswered_questions(scope)
    s = sequenced.c
    picked = (
        select(s.id, s.created_at)
        .where(unanswered)
        .order_by(s.created_at.desc(), s.id)
        .limit(scope.settings.gap_sample)
        .subquery("picked")
    )
    rows = connection.execute(
        select(TURN.c.conversation_id, TURN.c.text)
        .join_from(picked, TURN, TURN.c.id == picked.c.id)
        .where(TURN.c.text != "")
        .order_by(picked.c.created_at.desc(), picked.c.id)
    ).all()
    texts = [r.text for r in rows]
    groups = group_similar(texts, scope.settings.gap_similarity)
    gaps = []
    for members in groups[: scope.settings.top_n]:
        examples: list[str] = []
        seen: set[str] = set()
        for i in members:
            key = normalise(texts[i])
            if key not in seen:
                seen.add(key)
                examples.append(texts[i])
        conversations = tuple(dict.fromkeys(rows[i].conversation_id for i in members))
        gaps.append(
            KnowledgeGap(
                question=texts[members[0]],
                count=len(members),
                examples=tuple(examples[:EXAMPLES]),
                conversation_ids=conversations[:LINKED_CONVERSATIONS],
            )
        )
    return tuple(gaps)
