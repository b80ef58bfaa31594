"""Forcing one interleaving of two units of work: the second writer against the first's held lock.

`race_against_held_lock` holds the first writer's locked read open, starts the second writer in a
thread, and checks that the second cannot get past the lock until the first commits. On PostgreSQL
it waits until the database itself reports the second connection blocked by the first; elsewhere
(one writing transaction at a time by design) it gives the second writer a moment to get through
the lock if it could.
"""

import threading
import time
from collections.abc import Callable

from sqlalchemy.engine import Engine

from application.ports.unit_of_work import UnitOfWork
from infrastructure.persistence.sqlalchemy import SqlAlchemyUnitOfWork
from tests.adapters.builders import UnitOfWorkFactory

WAIT_SECONDS = 10.0
HOLD_SECONDS = 0.5
"""Without a database that reports lock waits, how long the second writer gets to slip through."""


def _postgres_backend(uow: UnitOfWork) -> tuple[Engine, int] | None:
    """The engine and backend pid of a PostgreSQL unit of work's open transaction, else None."""
    if not isinstance(uow, SqlAlchemyUnitOfWork):
        return None
    connection = uow._connection.current()  # the test peeks at the adapter's transaction
    if connection.dialect.name != "postgresql":
        return None
    return connection.engine, connection.exec_driver_sql("SELECT pg_backend_pid()").scalar_one()


def _blocks_another_backend(engine: Engine, pid: int) -> bool:
    query = "SELECT EXISTS (SELECT 1 FROM pg_stat_activity WHERE %s = ANY(pg_blocking_pids(pid)))"
    with engine.connect() as connection:
        return bool(connection.exec_driver_sql(query, (pid,)).scalar())


def race_against_held_lock(
    uow_factory: UnitOfWorkFactory,
    first: Callable[[UnitOfWork], Callable[[], None]],
    second: Callable[[UnitOfWork], None],
) -> None:
    """`first(uow)` reads with a lock and returns the write it will make; `second` runs in another
    unit of work meanwhile; the first writes and commits only once the second is held off."""
    second_done = threading.Event()
    errors: list[BaseException] = []

    def run_second() -> None:
        try:
            with uow_factory() as uow:
                second(uow)
                uow.commit()
        except BaseException as error:
            errors.append(error)
        finally:
            second_done.set()

    with uow_factory() as uow:
        write = first(uow)
        postgres = _postgres_backend(uow)
        thread = threading.Thread(target=run_second, daemon=True)
        thread.start()
        if postgres is None:
            second_done.wait(HOLD_SECONDS)
        else:
            deadline = time.monotonic() + WAIT_SECONDS
            while not second_done.is_set() and not _blocks_another_backend(*postgres):
                assert time.monotonic() < deadline, "the second writer never reached the lock"
                time.sleep(0.01)
        assert not second_done.is_set(), f"the second writer got past the lock: {errors}"
        write()
        uow.commit()
    thread.join(WAIT_SECONDS)
    assert second_done.is_set(), "the second writer never finished"
    assert not errors, errors
