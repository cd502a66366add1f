"""Erase one customer: their conversations, messages, orders and the customer row.

The tables to clear are found, not listed, so tables other packages add later
are covered without a change here. Over every table of the project
(`bot.db_tables.full_metadata`) that exists in the database:

- the customer row, and rows with a `customer_id` of that customer;
- conversation tables (those a `conversation_id` foreign key points at) by id,
  and rows with a `conversation_id` of one of the customer's conversations;
- rows whose foreign key points at any row erased above (order items of the
  orders, rows that hang off a turn), children before parents.

An audit table (its name holds "audit", or `info={"forget": "blank"}`) keeps
its entries, because an audit trail must survive, but its free text (the
unbounded Text columns) is blanked and any foreign key into erased rows is
cleared. The message search index is cleared through
`dialogue.message_search.forget_conversations`.

The customer's conversations are those whose `customer_id` is theirs in any
conversation table (the transcript's and the web gateway's) and, for a
customer with a Telegram account, the Telegram chats with them
("tg:<id>" and later "tg:<id>:<n>", or a Telegram conversation whose
external user is their id). Everything happens in one transaction.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

from sqlalchemy import (
    Column,
    ColumnElement,
    Connection,
    Engine,
    MetaData,
    Table,
    Text,
    and_,
    delete,
    false,
    func,
    inspect,
    or_,
    select,
    update,
)
from sqlalchemy.exc import SQLAlchemyError

from bot.db_tables import full_metadata
from dialogue.message_search import TURN_SEARCH, forget_conversations

CustomerKey = Literal["auto", "id", "email", "telegram"]
AUDIT_MARK = "audit"
_CONVERSATION_COLUMN = "conversation_id"
_CUSTOMER_COLUMN = "customer_id"


class ForgetError(Exception):
    """The customer could not be forgotten; nothing was changed."""


class UnknownCustomer(ForgetError):
    pass


class AmbiguousCustomer(ForgetError):
    pass


@dataclass(frozen=True)
class CustomerRef:
    id: int
    email: str | None
    telegram_id: int | None


@dataclass(frozen=True)
class TableCount:
    table: str
    rows: int


@dataclass(frozen=True)
class ForgetReport:
    customer: CustomerRef
    conversations: tuple[str, ...]
    removed: tuple[TableCount, ...]  # rows deleted (or, on a dry run, that would be)
    blanked: tuple[TableCount, ...]  # audit entries kept with their free text blanked
    dry_run: bool

    @property
    def total_removed(self) -> int:
        return sum(count.rows for count in self.removed)

    def lines(self) -> list[str]:
        verb = "would remove" if self.dry_run else "removed"
        head = f"customer {self.customer.id}"
        if self.customer.email:
            head += f" <{self.customer.email}>"
        out = [f"{head}: {len(self.conversations)} conversations"]
        out += [f"  {verb} {c.rows:>7} {c.table}" for c in self.removed]
        verb = "would blank" if self.dry_run else "blanked"
        out += [f"  {verb} {c.rows:>7} {c.table} (entries kept)" for c in self.blanked]
        return out


def forget_customer(
    engine: Engine,
    who: str,
    *,
    by: CustomerKey = "auto",
    dry_run: bool = False,
    metadata: MetaData | None = None,
) -> ForgetReport:
    """Erase the customer `who` (an id, an email or a Telegram id) and all that is theirs.

    Raises UnknownCustomer or AmbiguousCustomer (nothing changed), ForgetError when the
    database fails (the transaction is rolled back).
    """
    metadata = metadata if metadata is not None else full_metadata()
    try:
        with engine.begin() as connection:
            customer = find_customer(connection, metadata, who, by)
            return _forget(connection, metadata, customer, dry_run)  # a dry run only reads
    except SQLAlchemyError as exc:
        raise ForgetError(f"the database refused: {exc}") from exc


def find_customer(
    connection: Connection, metadata: MetaData, who: str, by: CustomerKey = "auto"
) -> CustomerRef:
    customers = metadata.tables["customer"]
    who = who.strip()
    matches: dict[int, CustomerRef] = {}
    wanted: list[ColumnElement[bool]] = []
    if by in ("auto", "email") and "@" in who:
        wanted.append(func.lower(customers.c.email) == who.lower())
    elif by == "email":
        raise UnknownCustomer(f"{who!r} is not an email address")
    if by in ("auto", "id", "telegram"):
        try:
            number = int(who)
        except ValueError:
            if by != "auto":
                raise UnknownCustomer(f"{who!r} is not a number") from None
        else:
            if by in ("auto", "id"):
                wanted.append(customers.c.id == number)
            if by in ("auto", "telegram"):
                wanted.append(customers.c.telegram_id == number)
    if wanted:
        query = select(customers.c.id, customers.c.email, customers.c.telegram_id)
        for row in connection.execute(query.where(or_(*wanted))):
            matches[row.id] = CustomerRef(row.id, row.email, row.telegram_id)
    if not matches:
        raise UnknownCustomer(f"no customer with id, email or Telegram id {who!r}")
    if len(matches) > 1:
        ids = ", ".join(str(i) for i in sorted(matches))
        raise AmbiguousCustomer(
            f"{who!r} matches customers {ids} (an id and a Telegram id): say --by id or telegram"
        )
    return next(iter(matches.values()))


def _existing(connection: Connection, metadata: MetaData) -> list[Table]:
    present = set(inspect(connection).get_table_names())
    return [table for table in metadata.sorted_tables if table.name in present]


def _conversation_tables(tables: list[Table]) -> set[Table]:
    """Tables that a `conversation_id` foreign key points at."""
    found: set[Table] = set()
    for table in tables:
        column = table.c.get(_CONVERSATION_COLUMN)
        if column is not None:
            found.update(fk.column.table for fk in column.foreign_keys)
    return found


def _conversation_ids(
    connection: Connection, tables: list[Table], customer: CustomerRef
) -> list[str]:
    ids: dict[str, None] = {}
    for table in _conversation_tables(tables):
        if table not in tables:
            continue
        conditions: list[ColumnElement[bool]] = []
        if _CUSTOMER_COLUMN in table.c:
            conditions.append(table.c[_CUSTOMER_COLUMN] == customer.id)
        if customer.telegram_id is not None:
            chat = f"tg:{customer.telegram_id}"
            conditions += [table.c.id == chat, table.c.id.like(chat + ":%")]
            if "external_user" in table.c and "channel" in table.c:
                conditions.append(
                    and_(
                        table.c.channel == "telegram",
                        table.c.external_user == str(customer.telegram_id),
                    )
                )
        if conditions:
            for (found,) in connection.execute(select(table.c.id).where(or_(*conditions))):
                ids[str(found)] = None
    return sorted(ids)


def _is_audit(table: Table) -> bool:
    return table.info.get("forget") == "blank" or AUDIT_MARK in table.name


def _conditions(
    tables: list[Table], customer: CustomerRef, conversation_ids: list[str]
) -> dict[Table, ColumnElement[bool]]:
    """Which rows of each table are the customer's, parents before children."""
    conversation_tables = _conversation_tables(tables)
    found: dict[Table, ColumnElement[bool]] = {}
    for table in tables:  # sorted: a table comes after the tables it points at
        parts: list[ColumnElement[bool]] = []
        if table.name == "customer":
            parts.append(table.c.id == customer.id)
        if table in conversation_tables:
            parts.append(table.c.id.in_(conversation_ids) if conversation_ids else false())
        if _CONVERSATION_COLUMN in table.c and conversation_ids:
            parts.append(table.c[_CONVERSATION_COLUMN].in_(conversation_ids))
        if _CUSTOMER_COLUMN in table.c:
            parts.append(table.c[_CUSTOMER_COLUMN] == customer.id)
        if not _is_audit(table):
            for column, parent, key in _foreign_keys(table):
                if parent in found and parent is not table and not _is_audit(parent):
                    parts.append(column.in_(select(key).where(found[parent])))
        if parts:
            found[table] = or_(*parts)
    return found


def _foreign_keys(table: Table) -> Iterator[tuple[Column[object], Table, Column[object]]]:
    for column in table.c:
        for fk in column.foreign_keys:
            yield column, fk.column.table, fk.column


def _forget(
    connection: Connection, metadata: MetaData, customer: CustomerRef, dry_run: bool
) -> ForgetReport:
    tables = _existing(connection, metadata)
    conversation_ids = _conversation_ids(connection, tables, customer)
    conditions = _conditions(tables, customer, conversation_ids)
    removed: list[TableCount] = []
    blanked: list[TableCount] = []
    if TURN_SEARCH in conditions:
        # first, through the index's own API, so it stays consistent whoever owns it
        rows = _count(connection, TURN_SEARCH, conditions.pop(TURN_SEARCH))
        if not dry_run:
            rows = forget_conversations(connection, conversation_ids)
        removed.append(TableCount(TURN_SEARCH.name, rows))
    for table in reversed(list(conditions)):  # children before their parents
        condition = conditions[table]
        if _is_audit(table):
            rows = _count(connection, table, condition)
            if not dry_run:
                connection.execute(
                    update(table).where(condition).values(_blanked(table, conditions))
                )
            blanked.append(TableCount(table.name, rows))
        elif dry_run:
            removed.append(TableCount(table.name, _count(connection, table, condition)))
        else:
            result = connection.execute(delete(table).where(condition))
            removed.append(TableCount(table.name, int(result.rowcount or 0)))
    return ForgetReport(
        customer=customer,
        conversations=tuple(conversation_ids),
        removed=tuple(removed),
        blanked=tuple(blanked),
        dry_run=dry_run,
    )


def _blanked(table: Table, conditions: dict[Table, ColumnElement[bool]]) -> dict[str, object]:
    """Free text to empty; nullable keys into erased rows to NULL."""
    values: dict[str, object] = {}
    for column in table.c:
        if isinstance(column.type, Text) and not column.primary_key:
            values[column.name] = ""
    for column, parent, _key in _foreign_keys(table):
        if parent in conditions and column.nullable:
            values[column.name] = None
    return values


def _count(connection: Connection, table: Table, condition: ColumnElement[bool]) -> int:
    query = select(func.count()).select_from(table).where(condition)
    return int(connection.execute(query).scalar_one())
