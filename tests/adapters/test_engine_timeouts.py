"""The bounds the PostgreSQL engine puts on its waits (connect, statement, pool) and what a
statement or pool timeout becomes. A silent server is tested through the fault proxy, in
tests/api/test_faults.py."""

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError
from sqlalchemy.pool import QueuePool

from application.errors import StorageUnavailable
from infrastructure.persistence.sqlalchemy import SqlAlchemyUnitOfWork
from infrastructure.persistence.sqlalchemy.engine import (
    DatabaseTimeouts,
    create_database_engine,
    is_database_unreachable,
)
from tests.services import require_postgres


@pytest.fixture(autouse=True)
def _needs_postgres() -> None:
    require_postgres()


@contextmanager
def postgres_engine(timeouts: DatabaseTimeouts) -> Iterator[Engine]:
    engine = create_database_engine(require_postgres(), timeouts)
    try:
        yield engine
    finally:
        engine.dispose()


def test_postgres_connections_carry_every_bound() -> None:
    timeouts = DatabaseTimeouts(connect_seconds=4, statement_seconds=1.5, pool_seconds=2)
    with postgres_engine(timeouts) as engine, engine.connect() as connection:
        statement_timeout = connection.exec_driver_sql("SHOW statement_timeout").scalar()
        parameters = connection.connection.dbapi_connection.info.get_parameters()  # type: ignore[union-attr]

    assert statement_timeout == "1500ms"
    assert parameters["connect_timeout"] == "4"
    assert parameters["keepalives"] == "1"
    # The kernel gives up on unacknowledged data when the client would give up on an answer.
    assert parameters["tcp_user_timeout"] == "2500"


def test_a_statement_over_the_timeout_is_cancelled_by_the_server_and_reads_as_unavailable() -> None:
    with postgres_engine(DatabaseTimeouts(statement_seconds=0.2)) as engine:
        with engine.connect() as connection, pytest.raises(OperationalError) as raised:
            connection.exec_driver_sql("SELECT pg_sleep(5)")
        # The server's own cancellation, before the client's deadline: the connection stays.
        assert getattr(raised.value.orig, "sqlstate", None) == "57014"
        assert not raised.value.connection_invalidated
        assert is_database_unreachable(raised.value)

        with engine.connect() as connection:
            assert connection.exec_driver_sql("SELECT 1").scalar() == 1


def test_no_free_connection_within_the_pool_timeout_is_storage_unavailable() -> None:
    with postgres_engine(DatabaseTimeouts(pool_seconds=0.2)) as engine, ExitStack() as held:
        pool = engine.pool
        assert isinstance(pool, QueuePool)
        pool_capacity = pool.size() + 10  # SQLAlchemy's default overflow
        for _ in range(pool_capacity):
            held.enter_context(SqlAlchemyUnitOfWork(engine))
        with pytest.raises(StorageUnavailable) as raised:
            held.enter_context(SqlAlchemyUnitOfWork(engine))
        assert isinstance(raised.value.__cause__, sa.exc.TimeoutError)
