"""Per-conversation outcomes: resolved by the bot (confirmed or assumed), durable, repeated.

One subquery, one row per conversation in the scope, with 0/1 columns that the
headline figures, the daily series and the drill-down links all sum or filter:

  handed        handed off to a person
  confirmed     not handed off, and the shopper said it was resolved
  assumed       not handed off, not rated either way, and no new contact from the
                same shopper within resolution_window_hours after its last message
                (counted only once that window has passed)
  pending       the same, but the window is still open: the outcome is not known yet
  automated     confirmed or assumed
  durable_known automated, and either a same-topic contact followed within
                durable_window_days or that window has passed
  durable       durable_known and no same-topic contact followed within the window
  repeat        another conversation from the same shopper within repeat_window_days
  repeat_known  repeat, or that window has passed
  resolved      automated, or handed off and closed as resolved by staff
  duration_s    seconds from the start to the close (else the last message)

"The same shopper" is the customer when known, else the channel's user id; the
topic is the intent of the shopper's first message with a recognised intent.
Later conversations are looked for in every channel, whatever the filters.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import Connection, Integer, Subquery, and_, case, func, literal, or_, select
from sqlalchemy.sql.elements import ColumnElement

from analytics.filters import Scope
from analytics.sql import (
    CONVERSATION,
    TURN,
    channel_lang_conditions,
    contact_key,
    epoch,
    seconds,
)

# Intents that say nothing about what the shopper came for.
NO_TOPIC_INTENTS = ("", "greeting", "other")


def flag(condition: ColumnElement[bool]) -> ColumnElement[int]:
    """1 when `condition` holds, else 0: booleans both databases can SUM."""
    return case((condition, literal(1, Integer)), else_=literal(0, Integer))


def topic_of(conversation_id: ColumnElement[Any]) -> ColumnElement[str]:
    """The intent of the conversation's first shopper turn that has a real one."""
    return (
        select(TURN.c.intent)
        .where(
            TURN.c.conversation_id == conversation_id,
            TURN.c.role == "user",
            TURN.c.intent.not_in(NO_TOPIC_INTENTS),
        )
        .order_by(TURN.c.created_at)
        .limit(1)
        .scalar_subquery()
    )


def outcomes(connection: Connection, scope: Scope) -> Subquery:
    """The per-conversation outcome subquery for `scope` (see the module docstring)."""
    s = scope.settings
    c = CONVERSATION.c
    windows_s = [
        s.resolution_window_hours * 3600,
        s.durable_window_days * 86_400,
        s.repeat_window_days * 86_400,
    ]
    # A later contact matters up to the longest window after the last activity of
    # any conversation in range, which may itself run past the range's end.
    latest = connection.scalar(
        select(func.max(c.last_activity_at)).where(
            c.started_at >= scope.t0, c.started_at < scope.t1
        )
    )
    horizon = max(scope.t1, latest or scope.t1) + timedelta(seconds=max(windows_s))

    # Times become seconds once, in a materialized step: SQLite parses its text
    # timestamps on every use, and the flags below use each several times.
    base = (
        select(
            c.id,
            c.channel,
            c.lang,
            c.customer_id,
            c.started_at,
            c.handed_off,
            c.resolved,
            c.csat,
            contact_key(c).label("contact"),
            func.coalesce(topic_of(c.id), "").label("topic"),
            epoch(c.started_at).label("start_s"),
            epoch(c.last_activity_at).label("last_s"),
            case(
                (c.closed_at.is_(None), epoch(c.last_activity_at)), else_=epoch(c.closed_at)
            ).label("end_s"),
        )
        .where(c.started_at >= scope.t0, c.started_at < horizon)
        .cte("base")
        .prefix_with("MATERIALIZED")
    )
    b = base.c
    order = (b.start_s, b.id)
    ahead = (
        select(
            base,
            func.lead(b.start_s).over(partition_by=b.contact, order_by=order).label("next_s"),
            func.lead(b.start_s)
            .over(partition_by=(b.contact, b.topic), order_by=order)
            .label("next_topic_s"),
        )
        .cte("ahead")
        .prefix_with("MATERIALIZED")
    )
    a = ahead.c

    now = seconds(scope.as_of)
    last = a.last_s
    resolution_s, durable_s, repeat_s = windows_s

    def within(next_s: Any, window: int) -> ColumnElement[bool]:
        return and_(next_s.is_not(None), next_s - last <= window)

    bot_only = a.handed_off.is_not(True)
    unrated = a.resolved.is_(None)
    returned = within(a.next_s, resolution_s)
    confirmed = and_(bot_only, a.resolved.is_(True))
    assumed = and_(bot_only, unrated, ~returned, last + resolution_s <= now)
    pending = and_(bot_only, unrated, ~returned, last + resolution_s > now)
    automated = or_(confirmed, assumed)
    relapsed = within(a.next_topic_s, durable_s)
    durable_known = and_(automated, or_(relapsed, last + durable_s <= now))
    repeat = within(a.next_s, repeat_s)

    return (
        select(
            a.id,
            a.channel,
            a.lang,
            a.customer_id,
            a.started_at,
            a.csat,
            a.topic,
            flag(a.handed_off.is_(True)).label("handed"),
            flag(confirmed).label("confirmed"),
            flag(assumed).label("assumed"),
            flag(pending).label("pending"),
            flag(automated).label("automated"),
            flag(durable_known).label("durable_known"),
            flag(and_(durable_known, ~relapsed)).label("durable"),
            flag(repeat).label("repeat"),
            flag(or_(repeat, last + repeat_s <= now)).label("repeat_known"),
            flag(or_(automated, a.resolved.is_(True))).label("resolved"),
            (a.end_s - a.start_s).label("duration_s"),
        )
        .where(
            a.started_at >= scope.t0, a.started_at < scope.t1, *channel_lang_conditions(scope, a)
        )
        .subquery("outcomes")
    )
