"""Full-text search over transcript messages, in Chinese and English.

Each shopper, assistant or staff turn gets one row in `turn_search` whose `terms`
are its text cut into lower-cased search terms by `retrieval.tokenize` (jieba's
`cut_for_search` for Chinese, folded words for other scripts), joined by single
spaces. Queries go through the same tokenizer, so every query term is a whole
indexed term, and a query is never parsed as search syntax: its terms are
quoted one by one and bound as a parameter.

- SQLite: an FTS5 table `turn_search_fts` with `turn_search` as its external
  content, kept in step by triggers (so a delete from anywhere, a cascade from
  `turn` included, also leaves the full-text index). The ASCII tokenizer splits
  on the spaces between terms and keeps every non-ASCII character as it is.
  FTS5 needs a stable integer rowid, hence the integer key `id` beside the
  unique `turn_id` (a VACUUM may renumber the rowids of a table without one).
- PostgreSQL: a stored generated tsvector column over the terms as they are
  (`array_to_tsvector`: the text is already segmented, a text-search parser
  would cut it again) with a GIN index.

`SEARCH_DDL` holds those extras per dialect; a `create_all` runs them, and
`create_search_tables` runs them on a database whose table exists already.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import (
    DDL,
    Column,
    Connection,
    DateTime,
    Engine,
    Text,
    bindparam,
    delete,
    event,
    func,
    insert,
    select,
    text,
)
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.sql.elements import TextClause
from sqlmodel import Field, SQLModel

from dialogue.transcript_tables import Turn
from retrieval.tokenize import tokenize

log = logging.getLogger(__name__)

SEARCHED_ROLES = frozenset({"user", "assistant", "staff"})
_MAX_TERM_CHARS = 100  # PostgreSQL refuses lexemes over 2 KB; no real word is this long
_BATCH = 500  # ids per IN (...) list


class MessageSearchError(Exception):
    """The search index could not be read or written."""


class TurnSearch(SQLModel, table=True):
    __tablename__ = "turn_search"

    id: int | None = Field(default=None, primary_key=True)  # the FTS5 rowid on SQLite
    turn_id: str = Field(foreign_key="turn.id", ondelete="CASCADE", unique=True, max_length=64)
    conversation_id: str = Field(index=True, max_length=64)
    created_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    terms: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))


TURN_SEARCH = SQLModel.metadata.tables["turn_search"]

SEARCH_DDL: dict[str, tuple[str, ...]] = {
    "sqlite": (
        "CREATE VIRTUAL TABLE IF NOT EXISTS turn_search_fts USING fts5("
        "terms, content='turn_search', content_rowid='id', tokenize='ascii')",
        "CREATE TRIGGER IF NOT EXISTS turn_search_ai AFTER INSERT ON turn_search BEGIN "
        "INSERT INTO turn_search_fts(rowid, terms) VALUES (new.id, new.terms); END",
        "CREATE TRIGGER IF NOT EXISTS turn_search_ad AFTER DELETE ON turn_search BEGIN "
        "INSERT INTO turn_search_fts(turn_search_fts, rowid, terms) "
        "VALUES ('delete', old.id, old.terms); END",
        "CREATE TRIGGER IF NOT EXISTS turn_search_au AFTER UPDATE ON turn_search BEGIN "
        "INSERT INTO turn_search_fts(turn_search_fts, rowid, terms) "
        "VALUES ('delete', old.id, old.terms); "
        "INSERT INTO turn_search_fts(rowid, terms) VALUES (new.id, new.terms); END",
    ),
    "postgresql": (
        "ALTER TABLE turn_search ADD COLUMN IF NOT EXISTS terms_tsv tsvector "
        "GENERATED ALWAYS AS (array_to_tsvector(string_to_array(terms, ' '))) STORED",
        "CREATE INDEX IF NOT EXISTS ix_turn_search_terms_tsv ON turn_search USING gin (terms_tsv)",
    ),
}
for _dialect, _statements in SEARCH_DDL.items():
    for _statement in _statements:
        event.listen(TURN_SEARCH, "after_create", DDL(_statement).execute_if(dialect=_dialect))
event.listen(
    TURN_SEARCH,
    "before_drop",
    DDL("DROP TABLE IF EXISTS turn_search_fts").execute_if(dialect="sqlite"),
)


@dataclass(frozen=True)
class SearchableTurn:
    turn_id: str
    conversation_id: str
    role: str
    text: str
    created_at: datetime


def search_terms(text_: str) -> list[str]:
    """The distinct search terms of `text_`, in order of first appearance."""
    return list(dict.fromkeys(term[:_MAX_TERM_CHARS] for term in tokenize(text_)))


@contextmanager
def _translated() -> Iterator[None]:
    try:
        yield
    except SQLAlchemyError as exc:
        raise MessageSearchError(f"message search failed: {exc}") from exc


def _supported(dialect: str) -> str:
    if dialect not in SEARCH_DDL:
        raise MessageSearchError(f"message search needs SQLite or PostgreSQL, not {dialect}")
    return dialect


def create_search_tables(engine: Engine) -> None:
    """Create `turn_search` and its full-text index where missing (after the turn table)."""
    dialect = _supported(engine.dialect.name)
    with _translated():
        SQLModel.metadata.create_all(engine, tables=[TURN_SEARCH])
        with engine.begin() as connection:
            for statement in SEARCH_DDL[dialect]:
                connection.execute(text(statement))


def _rows(turns: Iterable[SearchableTurn]) -> list[dict[str, object]]:
    rows: dict[str, dict[str, object]] = {}
    for turn in turns:
        if turn.role not in SEARCHED_ROLES:
            continue
        terms = search_terms(turn.text)
        if terms:
            at = turn.created_at
            # stored as UTC on both backends, so the ordering compares like with like
            at = at.astimezone(UTC) if at.tzinfo else at.replace(tzinfo=UTC)
            rows[turn.turn_id] = {
                "turn_id": turn.turn_id,
                "conversation_id": turn.conversation_id,
                "created_at": at,
                "terms": " ".join(terms),
            }
    return list(rows.values())


def _chunks(values: Sequence[str]) -> Iterator[list[str]]:
    for start in range(0, len(values), _BATCH):
        yield list(values[start : start + _BATCH])


def _write(connection: Connection, rows: list[dict[str, object]]) -> None:
    ids = [str(row["turn_id"]) for row in rows]
    for chunk in _chunks(ids):
        connection.execute(delete(TURN_SEARCH).where(TURN_SEARCH.c.turn_id.in_(chunk)))
    if rows:
        connection.execute(insert(TURN_SEARCH), rows)


def index_turns(engine: Engine, turns: Iterable[SearchableTurn]) -> int:
    """Index these turns (replacing earlier entries of the same turn); the rows written.

    Blocking: async callers run it in a worker thread. The turns must be stored already.
    """
    rows = _rows(turns)
    if not rows:
        return 0
    _supported(engine.dialect.name)
    with _translated(), engine.begin() as connection:
        _write(connection, rows)
    return len(rows)


def reindex_all(engine: Engine, batch_size: int = 2000) -> int:
    """Rebuild the whole index from the turn table; the rows written."""
    _supported(engine.dialect.name)
    turn = Turn.__table__  # type: ignore[attr-defined]
    written = 0
    last_id = ""
    with _translated():
        with engine.begin() as connection:
            connection.execute(delete(TURN_SEARCH))
        while True:
            with engine.begin() as connection:
                page = connection.execute(
                    select(turn.c.id, turn.c.conversation_id, turn.c.role, turn.c.text)
                    .add_columns(turn.c.created_at)
                    .where(turn.c.id > last_id)
                    .order_by(turn.c.id)
                    .limit(batch_size)
                ).all()
                if not page:
                    return written
                rows = _rows(SearchableTurn(*row) for row in page)
                _write(connection, rows)
            written += len(rows)
            last_id = page[-1].id


def _match_expression(terms: Sequence[str]) -> str:
    """An FTS5 query that requires every term, each quoted so none reads as syntax."""
    return " ".join('"' + term.replace('"', '""') + '"' for term in terms)


def _tsquery(terms: Sequence[str]) -> str:
    """A tsquery that requires every term, each a quoted lexeme taken as it is."""
    quoted = ("'" + term.replace("\\", "\\\\").replace("'", "\\'") + "'" for term in terms)
    return " & ".join(quoted)


_SQLITE_SEARCH = text(
    "SELECT s.conversation_id FROM turn_search_fts JOIN turn_search AS s "
    "ON s.id = turn_search_fts.rowid WHERE turn_search_fts MATCH :match "
    "GROUP BY s.conversation_id ORDER BY max(s.created_at) DESC, s.conversation_id "
    "LIMIT :limit OFFSET :offset"
)
_POSTGRES_SEARCH = text(
    "SELECT conversation_id FROM turn_search WHERE terms_tsv @@ CAST(:match AS tsquery) "
    "GROUP BY conversation_id ORDER BY max(created_at) DESC, conversation_id "
    "LIMIT :limit OFFSET :offset"
)


_SQLITE_MATCHING = (
    "SELECT s.conversation_id FROM turn_search_fts JOIN turn_search AS s "
    "ON s.id = turn_search_fts.rowid WHERE turn_search_fts MATCH :match"
)
_POSTGRES_MATCHING = (
    "SELECT conversation_id FROM turn_search WHERE terms_tsv @@ CAST(:match AS tsquery)"
)


def matching_conversations(dialect: str, query: str) -> TextClause | None:
    """SQL selecting the ids of conversations with a message holding every term of `query`,
    for `Conversation.id IN (...)` beside other filters; None when `query` has no term."""
    terms = search_terms(query)
    if not terms:
        return None
    if _supported(dialect) == "sqlite":
        return text(_SQLITE_MATCHING).bindparams(match=_match_expression(terms))
    return text(_POSTGRES_MATCHING).bindparams(match=_tsquery(terms))


def search_conversations(
    engine: Engine, query: str, *, limit: int = 50, offset: int = 0
) -> list[str]:
    """Ids of conversations with a message holding every term of `query`, most recent first.

    A query without any search term (only punctuation, say) matches nothing.
    """
    if limit < 1 or offset < 0:
        raise ValueError("limit must be positive and offset not negative")
    terms = search_terms(query)
    dialect = _supported(engine.dialect.name)
    if not terms:
        return []
    if dialect == "sqlite":
        statement, match = _SQLITE_SEARCH, _match_expression(terms)
    else:
        statement, match = _POSTGRES_SEARCH, _tsquery(terms)
    params = {"match": match, "limit": limit, "offset": offset}
    with _translated(), engine.connect() as connection:
        return [str(row[0]) for row in connection.execute(statement, params)]


def forget_conversations(bind: Engine | Connection, conversation_ids: Iterable[str]) -> int:
    """Remove these conversations' messages from the index; the rows removed.

    Given a Connection, the delete joins the caller's transaction.
    """
    ids = list(dict.fromkeys(conversation_ids))
    if not ids:
        return 0
    _supported(bind.dialect.name)
    with _translated():
        if isinstance(bind, Connection):
            return _forget(bind, ids)
        with bind.begin() as connection:
            return _forget(connection, ids)


def _forget(connection: Connection, ids: list[str]) -> int:
    removed = 0
    for chunk in _chunks(ids):
        result = connection.execute(
            delete(TURN_SEARCH).where(
                TURN_SEARCH.c.conversation_id.in_(bindparam("ids", chunk, expanding=True))
            )
        )
        removed += int(result.rowcount or 0)
    return removed


def count_indexed(engine: Engine) -> int:
    """How many messages the index holds."""
    with _translated(), engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(TURN_SEARCH)).scalar_one())
