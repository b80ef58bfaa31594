"""Tasks as SQLAlchemy Core statements: every one names the owner in its WHERE clause."""

import uuid
from functools import cache
from typing import Any

import sqlalchemy as sa

from application.pagination import PageKey
from application.ports.repositories import TaskFilter
from domain.tasks import Task
from infrastructure.persistence.sqlalchemy.mapping import TASK_COLUMNS, task_from_row, task_values
from infrastructure.persistence.sqlalchemy.queries import (
    ConnectionAccess,
    contains_bound,
    folded,
    key_parameters,
    like_pattern,
    locked,
    newest_first_bound,
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
        statement, parameters = list_query(owner_id, task_filter, limit=limit, after=after)
        rows = self._connection().execute(statement, parameters).fetchall()
        return [task_from_row(row) for row in rows]


def list_query(
    owner_id: uuid.UUID, task_filter: TaskFilter, *, limit: int, after: PageKey | None
) -> tuple[sa.Select[Any], dict[str, Any]]:
    """The list's statement and its parameters' values. The statement is built once for each
    combination of filters (at most 32 of them), so a request pays for neither building it nor
    hashing it for SQLAlchemy's compiled cache."""
    statement = _list_statement(
        task_filter.completed is not None,
        task_filter.priority is not None,
        task_filter.due_before is not None,
        task_filter.search is not None,
        after is not None,
    )
    parameters = key_parameters(limit, after) | {"owner_id": owner_id}
    if task_filter.completed is not None:
        parameters["completed"] = task_filter.completed
    if task_filter.priority is not None:
        parameters["priority"] = task_filter.priority.value
    if task_filter.due_before is not None:
        parameters["due_before"] = task_filter.due_before
    if task_filter.search is not None:
        parameters["search"] = like_pattern(task_filter.search)
    return statement, parameters


def list_statement(
    owner_id: uuid.UUID, task_filter: TaskFilter, *, limit: int, after: PageKey | None
) -> sa.Select[Any]:
    """The list query with its values bound, for bench/explain_tasks.py to plan what runs."""
    statement, parameters = list_query(owner_id, task_filter, limit=limit, after=after)
    return statement.params(parameters)


@cache
def _list_statement(
    completed: bool, priority: bool, due_before: bool, search: bool, after: bool
) -> sa.Select[Any]:
    statement = sa.select(*TASK_COLUMNS).where(tasks.c.owner_id == sa.bindparam("owner_id"))
    if completed:
        statement = statement.where(tasks.c.completed == sa.bindparam("completed"))
    if priority:
        statement = statement.where(tasks.c.priority == sa.bindparam("priority"))
    if due_before:
        # A NULL due date compares as unknown, so tasks without one never match.
        statement = statement.where(tasks.c.due_date < sa.bindparam("due_before"))
    if search:
        statement = statement.where(
            contains_bound("search", folded(tasks.c.title), folded(tasks.c.description))
        )
    return newest_first_bound(statement, tasks, after=after)


def _owned(owner_id: uuid.UUID, task_id: uuid.UUID) -> sa.ColumnElement[bool]:
    return sa.and_(tasks.c.id == task_id, tasks.c.owner_id == owner_id)
