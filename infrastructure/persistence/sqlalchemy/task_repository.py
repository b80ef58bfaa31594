"""Tasks as SQLAlchemy Core statements: every one names the owner in its WHERE clause."""

import uuid
from collections.abc import Iterator
from typing import Any

import sqlalchemy as sa

from application.pagination import PageKey
from application.ports.repositories import TaskFilter
from domain.tasks import Task
from infrastructure.persistence.sqlalchemy.mapping import TASK_COLUMNS, task_from_row, task_values
from infrastructure.persistence.sqlalchemy.queries import (
    ConnectionAccess,
    contains_literal,
    folded,
    locked,
    newest_first,
    write,
)
from infrastructure.persistence.sqlalchemy.tables import tasks


class SqlAlchemyTaskRepository:
    def __init__(self, connection: ConnectionAccess) -> None:
        self._connection = connection

    def add(self, task: Task) -> None:
        write(self._connection(), sa.insert(tasks).values(task_values(task)))

    def get(self, owner_id: uuid.UUID, task_id: uuid.UUID) -> Task | None:
        statement = sa.select(*TASK_COLUMNS).where(_owned(owner_id, task_id))
        row = self._connection().execute(statement).first()
        return None if row is None else task_from_row(row)

    def get_for_update(self, owner_id: uuid.UUID, task_id: uuid.UUID) -> Task | None:
        statement = locked(sa.select(*TASK_COLUMNS).where(_owned(owner_id, task_id)))
        row = self._connection().execute(statement).first()
        return None if row is None else task_from_row(row)

    def update(self, task: Task) -> None:
        # Someone else's task matches no row, so nothing changes.
        statement = sa.update(tasks).where(_owned(task.owner_id, task.id)).values(task_values(task))
        write(self._connection(), statement)

    def delete(self, owner_id: uuid.UUID, task_id: uuid.UUID) -> bool:
        result = self._connection().execute(sa.delete(tasks).where(_owned(owner_id, task_id)))
        return result.rowcount == 1

    def list(
        self, owner_id: uuid.UUID, task_filter: TaskFilter, *, limit: int, after: PageKey | None
    ) -> list[Task]:
        statement = list_statement(owner_id, task_filter, limit=limit, after=after)
        return [task_from_row(row) for row in self._connection().execute(statement)]


def list_statement(
    owner_id: uuid.UUID, task_filter: TaskFilter, *, limit: int, after: PageKey | None
) -> sa.Select[Any]:
    """The list query, public so that bench/explain_tasks.py plans exactly what runs."""
    statement = sa.select(*TASK_COLUMNS).where(
        tasks.c.owner_id == owner_id, *_conditions(task_filter)
    )
    return newest_first(statement, tasks, limit=limit, after=after)


def _owned(owner_id: uuid.UUID, task_id: uuid.UUID) -> sa.ColumnElement[bool]:
    return sa.and_(tasks.c.id == task_id, tasks.c.owner_id == owner_id)


def _conditions(task_filter: TaskFilter) -> Iterator[sa.ColumnElement[bool]]:
    if task_filter.completed is not None:
        yield tasks.c.completed.is_(task_filter.completed)
    if task_filter.priority is not None:
        yield tasks.c.priority == task_filter.priority.value
    if task_filter.due_before is not None:
        # A NULL due date compares as unknown, so tasks without one never match.
        yield tasks.c.due_date < task_filter.due_before
    if task_filter.search is not None:
        yield contains_literal(
            task_filter.search, folded(tasks.c.title), folded(tasks.c.description)
        )
