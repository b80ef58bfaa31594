"""Print the query plans of the task list, exactly as SqlAlchemyTaskRepository emits it.

    .venv/bin/python -m bench.explain_tasks                     # SQLite only
    .venv/bin/python -m bench.explain_tasks --postgres postgresql+psycopg://postgres@127.0.0.1:5432/test

Each database gets the migrated schema (Alembic, as in production), 20 000 tasks over 50 owners,
ANALYZE, then the plans of a first page and of a page after a cursor, with and without filters.
On PostgreSQL each plan is shown twice: as planned for the values at hand (what a statement gets
on its first executions) and as the generic plan a prepared statement may settle on (psycopg
prepares a statement once it has run it five times on a connection). SQLite lives in a temporary
directory, PostgreSQL in a scratch schema; both are removed afterwards.
"""

import argparse
import random
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import psycopg as postgresql_psycopg
from sqlalchemy.engine import Connection
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.expression import ClauseElement, Executable

from application.pagination import PageKey
from application.ports.repositories import TaskFilter
from domain.tasks import Priority, Task
from domain.users import User
from infrastructure.persistence.migrator import AlembicMigrator
from infrastructure.persistence.sqlalchemy import create_database_engine
from infrastructure.persistence.sqlalchemy.mapping import task_values, user_values
from infrastructure.persistence.sqlalchemy.tables import tasks, users
from infrastructure.persistence.sqlalchemy.task_repository import list_statement
from tests.support.postgres_schema import scratch_schema

OWNERS = 50
TASKS = 20_000
PAGE = 20
START = datetime(2024, 1, 1, tzinfo=UTC)
VERBS = ["Write", "Read", "Review", "Send", "Sign"]
NOUNS = ["report", "invoice", "slides", "budget", "contract", "minutes", "plan", "letter"]


class Explain(Executable, ClauseElement):
    """EXPLAIN of a Core statement, its parameters bound and typed as in a real execution."""

    inherit_cache = False

    def __init__(self, statement: sa.Select[Any]) -> None:
        self.statement = statement


@compiles(Explain, "sqlite")
def _explain_sqlite(element: Explain, compiler: SQLCompiler, **kw: Any) -> str:
    return "EXPLAIN QUERY PLAN " + compiler.process(element.statement, **kw)


@compiles(Explain, "postgresql")
def _explain_postgresql(element: Explain, compiler: SQLCompiler, **kw: Any) -> str:
    # ANALYZE runs the query: the actual row counts show that a page reads a page, not the table.
    return "EXPLAIN (ANALYZE, BUFFERS) " + compiler.process(element.statement, **kw)


@dataclass(frozen=True)
class Case:
    title: str
    task_filter: TaskFilter
    after_cursor: bool


CASES = [
    Case("first page, no filter", TaskFilter(), after_cursor=False),
    Case("page after a cursor, no filter", TaskFilter(), after_cursor=True),
    Case("first page, completed=false", TaskFilter(completed=False), after_cursor=False),
    Case(
        "page after a cursor, completed=false&priority=high&search=REPORT",
        TaskFilter(completed=False, priority=Priority.HIGH, search="REPORT"),
        after_cursor=True,
    ),
]


def fill(connection: Connection) -> list[User]:
    """OWNERS users and TASKS tasks spread over a year, some created in the same microsecond."""
    rng = random.Random(20_000)  # noqa: S311 - test data, not secrets
    owners = [
        User.register(
            username=f"owner{n}",
            email=f"owner{n}@example.com",
            password_hash="unused",  # noqa: S106 - nobody logs in as these owners
            full_name=None,
            now=START,
        )
        for n in range(OWNERS)
    ]
    connection.execute(sa.insert(users), [user_values(owner) for owner in owners])
    rows = []
    for n in range(TASKS):
        created_at = START + timedelta(minutes=rng.randrange(365 * 24 * 60))
        task = Task.create(
            owner_id=rng.choice(owners).id,
            title=f"{rng.choice(VERBS)} the {rng.choice(NOUNS)} #{n}",
            description=rng.choice([None, "Quarterly numbers", "Call the bank first"]),
            completed=rng.random() < 0.5,
            priority=rng.choice(list(Priority)),
            due_date=rng.choice([None, date(2024, 1, 1) + timedelta(days=rng.randrange(400))]),
            now=created_at,
        )
        rows.append(task_values(task))
    connection.execute(sa.insert(tasks), rows)
    return owners


def middle_key(connection: Connection, owner: User) -> PageKey:
    """The key a client would hold after a few pages of the owner's tasks."""
    page = connection.execute(list_statement(owner.id, TaskFilter(), limit=5 * PAGE, after=None))
    last = page.mappings().all()[-1]
    return PageKey(created_at=last["created_at"], id=last["id"])


def generic_plan(connection: Connection, statement: sa.Select[Any]) -> list[str]:
    """PostgreSQL's plan for the statement prepared with $n parameters, planned without their
    values, as a prepared statement may be after a few executions."""
    # The dialect's constructor has no annotations in SQLAlchemy 2.0.
    dollar_dialect = postgresql_psycopg.dialect(paramstyle="numeric_dollar")  # type: ignore[no-untyped-call]
    compiled = statement.compile(dialect=dollar_dialect)
    values = [compiled.params[name] for name in compiled.positiontup or ()]
    # Test data only (ids, instants, numbers, fixed words): quoting them is enough.
    arguments = ", ".join("'{}'".format(str(value).replace("'", "''")) for value in values)
    # The driver reads % as its own placeholder sign, even with no parameters.
    connection.exec_driver_sql(f"PREPARE task_page AS {compiled}".replace("%", "%%"))
    connection.exec_driver_sql("SET plan_cache_mode = force_generic_plan")
    try:
        explain = f"EXPLAIN EXECUTE task_page({arguments})".replace("%", "%%")
        rows = connection.exec_driver_sql(explain).all()
    finally:
        connection.exec_driver_sql("RESET plan_cache_mode")
        connection.exec_driver_sql("DEALLOCATE task_page")
    return [str(row[0]) for row in rows]


def plan(connection: Connection, statement: sa.Select[Any]) -> list[str]:
    result = connection.execute(Explain(statement))
    # Read from the driver's cursor: SQLAlchemy would apply the listed query's column types to
    # the plan's own columns (SQLite's are named id, parent, notused, detail).
    rows = result.cursor.fetchall()
    result.close()
    return [str(row[-1]) for row in rows]


def explain(url: str, analyze: str) -> None:
    AlembicMigrator(url).upgrade()
    engine = create_database_engine(url)
    try:
        with engine.begin() as connection:
            owner = fill(connection)[0]
        with engine.begin() as connection:
            connection.exec_driver_sql(analyze)
        with engine.connect() as connection:
            after = middle_key(connection, owner)
            print(f"-- {engine.dialect.name}: {TASKS} tasks over {OWNERS} owners")
            print(f"-- cursor: created_at={after.created_at.isoformat()}, id={after.id}")
            for case in CASES:
                statement = list_statement(
                    owner.id,
                    case.task_filter,
                    limit=PAGE + 1,
                    after=after if case.after_cursor else None,
                )
                print(f"\n### {case.title}\n")
                print(statement.compile(dialect=engine.dialect))
                print()
                print("\n".join(plan(connection, statement)))
                if engine.dialect.name == "postgresql":
                    print("\n-- generic plan:")
                    print("\n".join(generic_plan(connection, statement)))
            print()
    finally:
        engine.dispose()


@contextmanager
def sqlite_database() -> Iterator[str]:
    with tempfile.TemporaryDirectory(prefix="tessera-explain-") as folder:
        yield f"sqlite:///{Path(folder) / 'explain.db'}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--postgres", metavar="URL", help="also plan on this PostgreSQL server")
    arguments = parser.parse_args()
    with sqlite_database() as url:
        explain(url, "ANALYZE")
    if arguments.postgres:
        with scratch_schema(arguments.postgres, prefix="tessera_explain") as url:
            explain(url, "ANALYZE tasks, users")


if __name__ == "__main__":
    main()
