"""Unit-of-work factories for every persistence adapter, so one contract suite runs on each.

The PostgreSQL variants need TEST_POSTGRES_URL: without it they are reported as skipped (failed
under CI=true, see tests/services.py), and an unreachable server is an error, never a skip. Each
PostgreSQL user of the shared database works in a schema of its own, dropped after.
"""

import uuid
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, ExitStack
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from infrastructure.persistence.memory import MemoryDatabase, MemoryUnitOfWork
from infrastructure.persistence.sqlalchemy import (
    SqlAlchemyUnitOfWork,
    create_database_engine,
    metadata,
)
from tests.adapters.builders import UnitOfWorkFactory
from tests.services import require_postgres
from tests.support.postgres_schema import empty_tables, scratch_schema

SQL_BACKENDS = ["sqlite", "postgresql"]


@pytest.fixture(params=["memory", *SQL_BACKENDS])
def uow_factory(request: pytest.FixtureRequest) -> UnitOfWorkFactory:
    if request.param == "memory":
        database = MemoryDatabase()
        return lambda: MemoryUnitOfWork(database)
    engine: Engine = request.getfixturevalue(f"{request.param}_engine")
    return lambda: SqlAlchemyUnitOfWork(engine)


@pytest.fixture(params=SQL_BACKENDS)
def sql_engine(request: pytest.FixtureRequest) -> Engine:
    """An engine on a fresh schema of each SQL backend, for tests of the SQL adapter alone."""
    engine: Engine = request.getfixturevalue(f"{request.param}_engine")
    return engine


@pytest.fixture
def sqlite_engine(tmp_path: Path) -> Iterator[Engine]:
    engine = create_database_engine(f"sqlite:///{tmp_path / 'contract.db'}")
    metadata.create_all(engine)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def postgres_session_engine() -> Iterator[Engine]:
    """One schema for the whole run; tests empty its tables rather than rebuild them."""
    with postgres_schema() as url:
        engine = create_database_engine(url)
        metadata.create_all(engine)
        yield engine
        engine.dispose()


@pytest.fixture
def postgresql_engine(postgres_session_engine: Engine) -> Engine:
    with postgres_session_engine.begin() as connection:
        empty_tables(connection)
    return postgres_session_engine


@pytest.fixture(params=SQL_BACKENDS)
def empty_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Callable[[], str]]:
    """Makes URLs of new empty databases (for tests that build the schema themselves)."""
    with ExitStack() as cleanup:

        def new_database() -> str:
            if request.param == "postgresql":
                return cleanup.enter_context(postgres_schema())
            # In a folder that does not exist yet: the engines create it.
            return f"sqlite:///{tmp_path / uuid.uuid4().hex / 'tessera.db'}"

        yield new_database


def postgres_schema() -> AbstractContextManager[str]:
    """A schema of its own, dropped after. The session time zone is far from UTC, so that
    reading timestamps back in UTC is tested."""
    return scratch_schema(require_postgres(), prefix="tessera_test", time_zone="Asia/Kolkata")
