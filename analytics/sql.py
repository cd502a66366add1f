"""The tables analytics reads, and the few SQL pieces that SQLite and PostgreSQL spell differently.

Everything else is plain SQLAlchemy Core that both databases run as written.
Timestamps are UTC in both (SQLite stores ISO text, PostgreSQL `timestamp with
time zone`); bound values are aware datetimes, so comparisons agree.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Connection,
    Float,
    Integer,
    Select,
    String,
    Table,
    case,
    cast,
    func,
    literal,
    literal_column,
    or_,
    select,
    text,
    true,
    union_all,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.functions import FunctionElement
from sqlmodel import SQLModel

import catalog.models
import dialogue.transcript_tables
from analytics.filters import Bucket, Scope, to_utc

# The models modules must be imported for their tables to be in the metadata.
_MODELS = (catalog.models, dialogue.transcript_tables)

CONVERSATION: Table = SQLModel.metadata.tables["conversation"]
TURN: Table = SQLModel.metadata.tables["turn"]
CUSTOMER: Table = SQLModel.metadata.tables["customer"]
ORDER: Table = SQLModel.metadata.tables["order"]
ORDER_ITEM: Table = SQLModel.metadata.tables["orderitem"]


class epoch(FunctionElement[float]):
    """Seconds since 1970-01-01 UTC of a timestamp column, as a float."""

    type = Float()
    inherit_cache = True
    name = "epoch"


@compiles(epoch, "sqlite")
def _epoch_sqlite(element: epoch, compiler: SQLCompiler, **kw: Any) -> str:
    # Whole seconds from strftime, plus the ".ffffff" SQLAlchemy stores after them:
    # julianday's double would lose the microseconds.
    x = compiler.process(element.clauses, **kw)
    return f"(CAST(strftime('%s', {x}) AS REAL) + CAST(substr({x}, 20, 7) AS REAL))"


@compiles(epoch)
@compiles(epoch, "postgresql")
def _epoch_postgresql(element: epoch, compiler: SQLCompiler, **kw: Any) -> str:
    return (
        f"CAST(EXTRACT(EPOCH FROM {compiler.process(element.clauses, **kw)}) AS DOUBLE PRECISION)"
    )


def for_analytics(connection: Connection) -> Connection:
    """Settings for analytic reads on this connection's transaction; returns it.

    PostgreSQL compiles a plan with JIT once its estimated cost passes a
    threshold these reports pass easily: compiling then costs far more than the
    sub-second query it speeds up. SET LOCAL lasts until the transaction ends,
    so a pooled connection goes back unchanged.
    """
    if connection.dialect.name == "postgresql":
        connection.execute(text("SET LOCAL jit = off"))
    return connection


def seconds(at: datetime) -> float:
    """Python's side of `epoch`: seconds since 1970 (a naive datetime is taken as UTC)."""
    return to_utc(at).timestamp()


def bucket_of(column: ColumnElement[Any], buckets: Sequence[Bucket]) -> ColumnElement[int]:
    """The index of the bucket holding `column`, or -1 outside them all.

    Buckets are contiguous (each one's `hi` is the next one's `lo`). A CASE tree
    over bound UTC bounds, halving the buckets at each level: portable, exact
    across DST changes, and about log2(n) comparisons a row.
    """
    if not buckets:
        return literal(-1, Integer)
    outside = or_(column < buckets[0].lo, column >= buckets[-1].hi)
    return case((outside, literal(-1, Integer)), else_=_bisect(column, buckets, 0))


def _bisect(column: ColumnElement[Any], buckets: Sequence[Bucket], first: int) -> Any:
    if len(buckets) == 1:
        return literal(first, Integer)
    half = len(buckets) // 2
    return case(
        (column < buckets[half].lo, _bisect(column, buckets[:half], first)),
        else_=_bisect(column, buckets[half:], first + half),
    )


def unindexed(column: ColumnElement[Any]) -> ColumnElement[Any]:
    """The same value, hidden from the planner's choice of index.

    For a bound that should only filter rows found through another index: a
    planner without statistics may otherwise walk a one-sided range instead.
    """
    return func.coalesce(column, column)


def conversation_conditions(scope: Scope, conv: Any = None) -> list[ColumnElement[bool]]:
    """Conversations started in the scope's range, channel and language."""
    c = conv if conv is not None else CONVERSATION.c
    conditions: list[ColumnElement[bool]] = [c.started_at >= scope.t0, c.started_at < scope.t1]
    conditions += channel_lang_conditions(scope, c)
    return conditions


def channel_lang_conditions(scope: Scope, c: Any) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if scope.filters.channels:
        conditions.append(c.channel.in_(scope.filters.channels))
    if scope.filters.langs:
        conditions.append(c.lang.in_(scope.filters.langs))
    return conditions


def contact_key(c: Any) -> ColumnElement[str]:
    """Who the shopper is across conversations: the customer, else the channel's user id.

    A conversation with neither is its own contact, so it never "returns".
    """
    return case(
        (c.customer_id.is_not(None), literal("c:") + cast(c.customer_id, String)),
        (c.external_user != "", c.channel + literal(":") + c.external_user),
        else_=literal("x:") + c.id,
    )


def mentioned_skus(
    dialect: str, conversation_ids: Select[Any], *, citations: bool = True
) -> Select[Any]:
    """Every SKU an assistant turn of these conversations showed as a card or cited, one row each.

    Columns: turn_id, conversation_id, at (the turn's time), sku, kind ("card" |
    "cite"). Cards are objects with "sku"; a citation is {"ref": "SKU#field"} or
    the ref string itself. The answers are read once, through the (conversation,
    role) index, before any JSON is expanded.
    """
    answers = (
        select(TURN.c.id, TURN.c.conversation_id, TURN.c.created_at, TURN.c.cards, TURN.c.citations)
        .where(TURN.c.role == "assistant", TURN.c.conversation_id.in_(conversation_ids))
        .cte("answers")
        .prefix_with("MATERIALIZED")
    )
    arms: list[Select[Any]] = []
    sources = [("card", answers.c.cards)] + ([("cite", answers.c.citations)] if citations else [])
    for kind, column in sources:
        element = _json_elements(dialect, column)
        sku = (
            _json_field(dialect, element, "sku")
            if kind == "card"
            else _before_hash(dialect, _ref_text(dialect, element))
        )
        arms.append(
            select(
                answers.c.id.label("turn_id"),
                answers.c.conversation_id,
                answers.c.created_at.label("at"),
                sku.label("sku"),
                literal(kind).label("kind"),
            ).select_from(answers.join(element, true()))
        )
    if len(arms) == 1:
        return arms[0]
    return select(union_all(*arms).subquery("mentions"))


def _json_elements(dialect: str, column: Any) -> Any:
    if dialect == "postgresql":
        return func.json_array_elements(column).table_valued("value").render_derived()
    # SQLite takes no column list after the alias; json_each names them value, type.
    return func.json_each(column).table_valued("value", "type")


def _json_field(dialect: str, element: Any, key: str) -> ColumnElement[str]:
    if dialect == "postgresql":
        return element.c.value.op("->>")(literal(key))
    return func.json_extract(element.c.value, f"$.{key}")


def _ref_text(dialect: str, element: Any) -> ColumnElement[str]:
    if dialect == "postgresql":
        return case(
            # `#>> '{}'` unwraps a JSON string into text
            (
                func.json_typeof(element.c.value) == "string",
                element.c.value.op("#>>")(literal_column("'{}'::text[]")),
            ),
            else_=element.c.value.op("->>")(literal("ref")),
        )
    return case(
        (element.c.type == "text", element.c.value),
        else_=func.json_extract(element.c.value, "$.ref"),
    )


def _before_hash(dialect: str, ref: ColumnElement[str]) -> ColumnElement[str]:
    if dialect == "postgresql":
        return func.split_part(ref, "#", 1)
    return case(
        (func.instr(ref, "#") > 0, func.substr(ref, 1, func.instr(ref, "#") - 1)), else_=ref
    )


def json_length(column: Any) -> ColumnElement[int]:
    """Elements in a JSON array column (json_array_length in SQLite and PostgreSQL)."""
    return func.coalesce(func.json_array_length(column), 0)


def as_int(value: Any) -> int:
    return int(value or 0)
