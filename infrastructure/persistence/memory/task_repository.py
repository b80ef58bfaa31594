"""Tasks in memory: like the SQL adapter, every call is scoped by owner."""

import copy
import uuid

from application.pagination import PageKey
from application.ports.repositories import TaskFilter
from domain.tasks import Task
from infrastructure.persistence.memory.database import TablesAccess, delete, insert, replace_row
from infrastructure.persistence.memory.queries import contains_folded, copy_of, newest_first


class MemoryTaskRepository:
    def __init__(self, tables: TablesAccess) -> None:
        self._tables = tables

    def add(self, task: Task) -> None:
        insert(self._tables(), "tasks", task.id, task)

    def get(self, owner_id: uuid.UUID, task_id: uuid.UUID) -> Task | None:
        return copy_of(self._owned(owner_id, task_id))

    def get_for_update(self, owner_id: uuid.UUID, task_id: uuid.UUID) -> Task | None:
        # The unit of work holds the store's lock: every row is as locked as it can be.
        return self.get(owner_id, task_id)

    def update(self, task: Task) -> None:
        # Like UPDATE ... WHERE id = :id AND owner_id = :owner: a task of someone else is left alone.
        if self._owned(task.owner_id, task.id) is not None:
            replace_row(self._tables(), "tasks", task.id, task)

    def delete(self, owner_id: uuid.UUID, task_id: uuid.UUID) -> bool:
        if self._owned(owner_id, task_id) is None:
            return False
        delete(self._tables(), "tasks", task_id)
        return True

    def list(
        self, owner_id: uuid.UUID, task_filter: TaskFilter, *, limit: int, after: PageKey | None
    ) -> list[Task]:
        rows = (
            task
            for task in self._tables().tasks.values()
            if task.owner_id == owner_id and _matches(task, task_filter)
        )
        return [copy.copy(task) for task in newest_first(rows, limit=limit, after=after)]

    def _owned(self, owner_id: uuid.UUID, task_id: uuid.UUID) -> Task | None:
        task = self._tables().tasks.get(task_id)
        return task if task is not None and task.owner_id == owner_id else None


def _matches(task: Task, task_filter: TaskFilter) -> bool:
    if task_filter.completed is not None and task.completed != task_filter.completed:
        return False
    if task_filter.priority is not None and task.priority != task_filter.priority:
        return False
    if task_filter.due_before is not None and (
        task.due_date is None or task.due_date >= task_filter.due_before
    ):
        return False
    return task_filter.search is None or contains_folded(
        task_filter.search, task.title, task.description
    )
