"""Engines for the SQL adapters: the application's, and a plain one for migrations."""

import sqlite3
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import URL, Connection, Engine, make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import ConnectionPoolEntry, NullPool

SQLITE_BUSY_TIMEOUT_SECONDS = 15.0

SQLITE_POOL_SIZE = 40

READ_ONLY = "tessera_read_only"
"""Connection execution option: the transaction about to begin only reads."""

SqliteValue = str | bytes | int | float | None

# SQLSTATEs that mean "no usable connection" rather than "this statement failed": class 08
# (connection exception) and the server shutting down or starting up (57P01-57P03).
_UNREACHABLE_SQLSTATES = frozenset({"57P01", "57P02", "57P03"})


def create_database_engine(url: str) -> Engine:
    """The application's engine. Statement parameters stay out of error messages and logs,
    since they may hold password hashes."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return sa.create_engine(parsed, pool_pre_ping=True, hide_parameters=True)
    ensure_sqlite_directory(parsed)
    engine = sa.create_engine(
        parsed,
        hide_parameters=True,
        connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_SECONDS},
        # A connection for each of the thread pool's 40 threads, and the default overflow (10) for
        # the password pool and the event loop's own session reads: a request never waits for a
        # connection (the default of 5 reopened files under load), and the loop never blocks on one.
        pool_size=SQLITE_POOL_SIZE,
    )
    sa.event.listen(engine, "connect", _configure_sqlite_connection)
    sa.event.listen(engine, "begin", _begin_sqlite_transaction)
    return engine


def read_only_options(backend: str) -> dict[str, Any]:
    """Connection options for a unit of work that only reads.

    SQLite: a plain (deferred) BEGIN, so the reads share one snapshot without taking the write
    lock. PostgreSQL: autocommit. At READ COMMITTED each statement sees its own snapshot whether
    or not a transaction is open, so a transaction would add only its BEGIN and ROLLBACK, two
    round trips, to every authenticated request.
    """
    if backend == "sqlite":
        return {READ_ONLY: True}
    return {"isolation_level": "AUTOCOMMIT"}


def create_migration_engine(url: str) -> Engine:
    """A pool-less engine with the backend's defaults. On SQLite that leaves foreign keys
    unenforced, as Alembic's batch mode needs: it rebuilds a table by dropping it, and with
    enforcement on, dropping `users` would cascade-delete every session."""
    parsed = make_url(url)
    ensure_sqlite_directory(parsed)
    return sa.create_engine(parsed, poolclass=NullPool, hide_parameters=True)


def ensure_sqlite_directory(url: URL) -> None:
    """Create the folder of a SQLite database file, so a fresh checkout needs no set-up."""
    database = url.database
    in_memory = not database or database == ":memory:" or "uri" in url.query
    if url.get_backend_name() == "sqlite" and not in_memory:
        Path(database or "").parent.mkdir(parents=True, exist_ok=True)


def _configure_sqlite_connection(
    dbapi_connection: sqlite3.Connection, _record: ConnectionPoolEntry
) -> None:
    # The driver's legacy mode begins no transaction before a SELECT and breaks SAVEPOINT;
    # SQLAlchemy's `begin` event below emits BEGIN instead.
    dbapi_connection.isolation_level = None
    dbapi_connection.execute("PRAGMA foreign_keys = ON")
    # Write-ahead logging: readers see a snapshot and never wait for the writer, nor it for them.
    # (A no-op for in-memory databases; persistent in the file once set.)
    dbapi_connection.execute("PRAGMA journal_mode = WAL")
    # SQLite's own lower() folds ASCII only; searches should fold like PostgreSQL and Python.
    dbapi_connection.create_function("lower", 1, _lower, deterministic=True)


def _lower(value: SqliteValue) -> SqliteValue:
    return value.lower() if isinstance(value, str) else value


def _begin_sqlite_transaction(connection: Connection) -> None:
    if connection.get_execution_options().get(READ_ONLY):
        connection.exec_driver_sql("BEGIN")
        return
    # A transaction that may write takes the write lock up front: SQLite has no SELECT ... FOR
    # UPDATE, and a read lock upgraded later fails at once instead of waiting out the busy timeout.
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def is_database_unreachable(error: BaseException) -> bool:
    """Whether `error` means the database cannot be reached at all, as opposed to a statement
    failing (a constraint, a deadlock, a serialization failure: those stay what they are).

    SQLAlchemy wraps every driver error in a `DBAPIError`; `connection_invalidated` is its own
    verdict that the connection died mid-use (the pool then discards it, so the next checkout
    reconnects). A refused or failed connect is not flagged that way, so the driver error is
    read too: psycopg gives connection failures no SQLSTATE, SQLite only a message.
    """
    if not isinstance(error, DBAPIError):
        return False
    if error.connection_invalidated or isinstance(error, sa.exc.InterfaceError):
        return True
    if not isinstance(error, sa.exc.OperationalError):
        return False
    driver_error = error.orig
    if isinstance(driver_error, sqlite3.OperationalError):
        return "unable to open database" in str(driver_error)
    sqlstate = getattr(driver_error, "sqlstate", None)
    return sqlstate is None or sqlstate.startswith("08") or sqlstate in _UNREACHABLE_SQLSTATES
