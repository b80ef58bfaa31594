"""Engines for the SQL adapters: the application's, and a plain one for migrations."""

import select
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import URL, Connection, Engine, make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import ConnectionPoolEntry, NullPool

from infrastructure.persistence.sqlalchemy.response_deadline import (
    DeadlineConnection,
    ResponseDeadline,
)

SQLITE_BUSY_TIMEOUT_SECONDS = 15.0

SQLITE_POOL_SIZE = 40

READ_ONLY = "tessera_read_only"
"""Connection execution option: the transaction about to begin only reads."""

SqliteValue = str | bytes | int | float | None

# SQLSTATEs that mean "no usable connection, or no answer in time" rather than "this statement
# failed": class 08 (connection exception), the server shutting down or starting up
# (57P01-57P03), and a statement cancelled by `statement_timeout` (57014).
_UNREACHABLE_SQLSTATES = frozenset({"57P01", "57P02", "57P03", "57014"})

# TCP keepalives on PostgreSQL connections: an idle connection whose server has vanished is
# found out within about 5 + 2 * 3 = 11 s, before the pool hands it out.
_KEEPALIVES = {
    "keepalives": 1,
    "keepalives_idle": 5,
    "keepalives_interval": 2,
    "keepalives_count": 3,
}


@dataclass(frozen=True)
class DatabaseTimeouts:
    """How long a call may wait on the database (settings `DATABASE_*_TIMEOUT_SECONDS`).

    `connect_seconds` (PostgreSQL; libpq counts at least 2) bounds opening a connection,
    `statement_seconds` (PostgreSQL) is the server's `statement_timeout`, and `pool_seconds`
    bounds the wait for a free connection of the pool.
    """

    connect_seconds: int = 3
    statement_seconds: float = 3.0
    pool_seconds: float = 3.0

    @property
    def response_seconds(self) -> float:
        """How long the client waits for any answer of the server: a second longer than the
        statement timeout, so that a slow statement ends with the server's own cancellation
        (the connection stays usable) and only a server that is silent meets this deadline."""
        return self.statement_seconds + 1.0


def create_database_engine(url: str, timeouts: DatabaseTimeouts | None = None) -> Engine:
    """The application's engine. Statement parameters stay out of error messages and logs,
    since they may hold password hashes."""
    parsed = make_url(url)
    timeouts = timeouts or DatabaseTimeouts()
    if parsed.get_backend_name() == "postgresql":
        return _create_postgresql_engine(parsed, timeouts)
    if parsed.get_backend_name() != "sqlite":
        return sa.create_engine(
            parsed, pool_pre_ping=True, pool_timeout=timeouts.pool_seconds, hide_parameters=True
        )
    ensure_sqlite_directory(parsed)
    engine = sa.create_engine(
        parsed,
        hide_parameters=True,
        pool_timeout=timeouts.pool_seconds,
        connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_SECONDS},
        # A connection for each of the thread pool's 40 threads, and the default overflow (10) for
        # the password pool and the event loop's own session reads: a request never waits for a
        # connection (the default of 5 reopened files under load), and the loop never blocks on one.
        pool_size=SQLITE_POOL_SIZE,
    )
    sa.event.listen(engine, "connect", _configure_sqlite_connection)
    sa.event.listen(engine, "begin", _begin_sqlite_transaction)
    return engine


def _create_postgresql_engine(url: URL, timeouts: DatabaseTimeouts) -> Engine:
    """Every wait is bounded: connecting by libpq's `connect_timeout`, each statement by the
    server's `statement_timeout`, a silent server by a client-side deadline (and, on a real
    network, by TCP keepalives and `tcp_user_timeout`), a busy pool by `pool_timeout`. These
    settings replace the same libpq parameters in the URL; other `options` in it are kept."""
    response_ms = round(timeouts.response_seconds * 1000)
    statement_ms = max(1, round(timeouts.statement_seconds * 1000))
    given = url.query.get("options", ())
    options = [given] if isinstance(given, str) else list(given)
    connect_args: dict[str, Any] = {
        "connect_timeout": timeouts.connect_seconds,
        "options": " ".join([*options, f"-c statement_timeout={statement_ms}"]),
        "tcp_user_timeout": response_ms,
        **_KEEPALIVES,
    }
    engine = sa.create_engine(
        url, pool_timeout=timeouts.pool_seconds, hide_parameters=True, connect_args=connect_args
    )
    sa.event.listen(engine, "checkout", _refuse_connections_the_server_closed)
    if url.get_driver_name() == "psycopg":
        deadline = ResponseDeadline(timeouts.response_seconds)

        def connect(_dialect: Any, _record: Any, cargs: Any, cparams: Any) -> DeadlineConnection:
            connection = DeadlineConnection.connect(*cargs, **cparams)
            connection.deadline = deadline
            return connection

        sa.event.listen(engine, "do_connect", connect)
    return engine


def _refuse_connections_the_server_closed(
    dbapi_connection: Any, _record: ConnectionPoolEntry, _proxy: Any
) -> None:
    """Check a pooled PostgreSQL connection as the pool hands it out, without a round trip.

    An idle connection has nothing to read: the server only ever answers. When the server ends
    it (a restart, `pg_terminate_backend`, an idle timeout), it sends its error and closes the
    socket, so the socket turns readable. Such a connection is refused here, and the pool opens
    a new one in its place (SQLAlchemy's documented way: raising DisconnectionError on
    checkout). This replaces `pool_pre_ping`, which spent a round trip on every checkout, about a
    tenth of an authenticated request's time; what neither catches (a network that drops
    packets silently) the statement timeouts bound.
    """
    try:
        closed = _has_input(dbapi_connection.fileno())
    except Exception as error:  # psycopg: no socket left to look at
        raise sa.exc.DisconnectionError("this connection has no socket") from error
    if closed:
        raise sa.exc.DisconnectionError("the server closed this connection while it was idle")


def _has_input(fd: int) -> bool:
    if hasattr(select, "poll"):  # any descriptor number; select() only those below 1024
        poller = select.poll()
        poller.register(fd, select.POLLIN)
        return bool(poller.poll(0))
    readable, _, _ = select.select([fd], [], [], 0)
    return bool(readable)


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
        # Straight to the driver: a deferred BEGIN takes no lock and cannot wait or fail, and
        # SQLAlchemy's statement machinery cost as much as the read that follows.
        connection.connection.driver_connection.execute("BEGIN")  # type: ignore[union-attr]
        return
    # A transaction that may write takes the write lock up front: SQLite has no SELECT ... FOR
    # UPDATE, and a read lock upgraded later fails at once instead of waiting out the busy timeout.
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def is_database_unreachable(error: BaseException) -> bool:
    """Whether `error` means the database cannot be reached at all, or did not answer in time,
    as opposed to a statement failing (a constraint, a deadlock, a serialization failure: those
    stay what they are).

    SQLAlchemy wraps every driver error in a `DBAPIError`; `connection_invalidated` is its own
    verdict that the connection died mid-use (the pool then discards it, so the next checkout
    reconnects). A refused or failed connect is not flagged that way, so the driver error is
    read too: psycopg gives connection failures no SQLSTATE, SQLite only a message.
    """
    if isinstance(error, sa.exc.TimeoutError):  # no free connection in the pool in time
        return True
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
