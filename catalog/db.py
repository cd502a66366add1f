"""The database engine: SQLite by default, PostgreSQL (psycopg 3) in production.

Every driver failure that means "the database is not there" becomes
`DatabaseUnavailable` with one readable line; other driver errors become
`CatalogError`. Nothing outside this module sees a SQLAlchemy or psycopg
exception from engine setup or a session.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import (
    ArgumentError,
    DBAPIError,
    InterfaceError,
    NoSuchModuleError,
    OperationalError,
    SQLAlchemyError,
)
from sqlalchemy.pool import StaticPool
from sqlmodel import Session, SQLModel

from catalog.errors import CatalogError, DatabaseUnavailable
from catalog.models import Customer, DocumentPassage, Order, OrderItem, Product, ProductPassage

# Seconds to wait for PostgreSQL to answer before saying it is unreachable.
CONNECT_TIMEOUT_S = 5
# Seconds a SQLite writer waits for another writer's lock (a CLI ingest while the bot runs).
SQLITE_BUSY_TIMEOUT_S = 30

_CATALOG_MODELS = (Product, ProductPassage, DocumentPassage, Customer, Order, OrderItem)
# Only the catalog's own tables: other packages create theirs.
CATALOG_TABLES = [SQLModel.metadata.tables[str(m.__tablename__)] for m in _CATALOG_MODELS]

_SCHEMA_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,62}$")


def create_db_engine(
    url: str, *, schema: str | None = None, connect_timeout: int = CONNECT_TIMEOUT_S
) -> Engine:
    """Build an engine for `url`; nothing connects until first use.

    `schema` (PostgreSQL only) puts the session's search_path on that schema,
    so one database can hold several shops or test runs side by side.
    """
    parsed = _parse_url(url)
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        return _sqlite_engine(parsed)
    if backend == "postgresql":
        return _postgres_engine(parsed, schema=schema, connect_timeout=connect_timeout)
    raise DatabaseUnavailable(
        f"unsupported database {backend!r} in {_describe(parsed)}: use sqlite:/// or postgresql://"
    )


def init_schema(engine: Engine) -> None:
    """Create the catalog's tables where missing (migrations will take over later)."""
    with translate_db_errors(engine):
        SQLModel.metadata.create_all(engine, tables=CATALOG_TABLES)


def check_connection(engine: Engine) -> None:
    """Raise DatabaseUnavailable unless the database answers a trivial query."""
    with translate_db_errors(engine), engine.connect() as conn:
        conn.execute(text("SELECT 1"))


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """One transaction: commit when the block ends, roll back when it raises."""
    with translate_db_errors(engine), Session(engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


@contextmanager
def translate_db_errors(engine: Engine) -> Iterator[None]:
    """Turn driver exceptions raised inside the block into catalog errors."""
    try:
        yield
    except DBAPIError as exc:
        if _unreachable(exc):
            raise DatabaseUnavailable(describe_failure(engine.url, exc)) from exc
        raise CatalogError(f"database error: {_first_line(exc.orig)}") from exc
    except SQLAlchemyError as exc:
        raise CatalogError(f"database error: {_first_line(exc)}") from exc


# SQLSTATE classes and codes that mean "no usable connection": connection
# exceptions, auth failures, unknown database, server shutting down or full.
_UNREACHABLE_STATES = ("08", "28", "3D000", "57P01", "57P02", "57P03", "53300")
_SQLITE_UNREACHABLE = (
    "unable to open",
    "database is locked",
    "readonly",
    "disk i/o",
    "not a database",
)


def _unreachable(exc: DBAPIError) -> bool:
    if exc.connection_invalidated or isinstance(exc, InterfaceError):
        return True
    if type(exc.orig).__module__.startswith("sqlite3"):
        message = str(exc.orig).lower()
        return any(needle in message for needle in _SQLITE_UNREACHABLE)
    if not isinstance(exc, OperationalError):
        return False
    sqlstate = getattr(exc.orig, "sqlstate", None)
    if sqlstate:
        return str(sqlstate).startswith(_UNREACHABLE_STATES)
    return True  # psycopg raises a failed connect without a SQLSTATE


def describe_failure(url: URL, exc: BaseException) -> str:
    """One line a shop owner can act on, e.g. "cannot reach PostgreSQL at h:5432: ..."."""
    orig = exc.orig if isinstance(exc, DBAPIError) else exc
    message = str(orig)
    if url.get_backend_name() == "sqlite":
        return f"cannot use the SQLite database at {url.database}: {_first_line(orig)}"
    where = f"PostgreSQL at {url.host or 'localhost'}:{url.port or 5432}"
    lowered = message.lower()
    reasons = [
        ("connection refused", "connection refused (is the server running?)"),
        ("timeout expired", "no answer within the connect timeout"),
        ("timed out", "no answer within the connect timeout"),
        ("could not translate host name", "unknown host name"),
        ("name or service not known", "unknown host name"),
        ("password authentication failed", f"password authentication failed for {url.username}"),
        ("no password supplied", f"a password is required for {url.username}"),
        ("does not exist", _first_match(message, r'(database|role) "[^"]+" does not exist')),
        ("server closed the connection", "the server closed the connection"),
        ("terminating connection", "the server terminated the connection"),
    ]
    for needle, reason in reasons:
        if needle in lowered and reason:
            return f"cannot reach {where}: {reason}"
    return f"cannot reach {where}: {_first_line(orig)}"


def _parse_url(url: str) -> URL:
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise DatabaseUnavailable(f"invalid database URL {url!r}: {exc}") from exc
    # psycopg 3 is the only PostgreSQL driver we ship; plain postgresql:// means it too.
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


def _sqlite_engine(url: URL) -> Engine:
    database = url.database or ""
    in_memory = database in ("", ":memory:") or database.startswith("file::memory:")
    kwargs: dict[str, Any] = {
        # The web server hands a connection to worker threads; sessions are never shared.
        "connect_args": {"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_S},
    }
    if in_memory:
        # One connection, or every new connection would see an empty database.
        kwargs["poolclass"] = StaticPool
    else:
        directory = Path(database).expanduser().resolve().parent
        try:
            directory.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise DatabaseUnavailable(
                f"cannot create the data directory {directory}: {exc.strerror or exc}"
            ) from exc
    try:
        engine = create_engine(url, **kwargs)
    except (ArgumentError, NoSuchModuleError) as exc:
        raise DatabaseUnavailable(f"invalid database URL {_describe(url)}: {exc}") from exc
    event.listen(engine, "connect", _sqlite_pragmas(in_memory))
    return engine


def _sqlite_pragmas(in_memory: bool) -> Any:
    def on_connect(dbapi_conn: Any, _record: Any) -> None:
        cursor = dbapi_conn.cursor()
        try:
            # WAL lets the bot keep reading while an ingest writes.
            if not in_memory:
                cursor.execute("PRAGMA journal_mode=WAL")
                cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA foreign_keys=ON")
        finally:
            cursor.close()

    return on_connect


def _postgres_engine(url: URL, *, schema: str | None, connect_timeout: int) -> Engine:
    # Timestamps are stored in UTC; a UTC session shows them so in psql and SQL functions too.
    settings = ["-c timezone=UTC"]
    if schema is not None:
        if not _SCHEMA_NAME.match(schema):
            raise DatabaseUnavailable(f"invalid schema name {schema!r}")
        settings.append(f"-c search_path={schema}")
    given = url.query.get("options")  # a URL's own ?options=... are kept
    given_list = list(given) if isinstance(given, tuple) else [given] if given else []
    options = " ".join([*given_list, *settings])
    try:
        return create_engine(
            url,
            pool_pre_ping=True,
            connect_args={"connect_timeout": connect_timeout, "options": options},
        )
    except (ArgumentError, NoSuchModuleError) as exc:
        raise DatabaseUnavailable(f"invalid database URL {_describe(url)}: {exc}") from exc


def _describe(url: URL) -> str:
    return url.render_as_string(hide_password=True)


def _first_line(exc: object) -> str:
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    return lines[0] if lines else type(exc).__name__


def _first_match(message: str, pattern: str) -> str:
    found = re.search(pattern, message)
    return found.group(0) if found else ""
