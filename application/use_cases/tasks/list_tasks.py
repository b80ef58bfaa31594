from dataclasses import dataclass
from datetime import date

from application.pagination import DEFAULT_PAGE_SIZE, Page, creation_key, decode_cursor, page_of
from application.ports.repositories import TaskFilter
from application.ports.unit_of_work import UnitOfWork
from domain.tasks import Priority, Task
from domain.users import User


@dataclass(frozen=True)
class ListTasksQuery:
    actor: User
    completed: bool | None = None
    priority: Priority | None = None
    due_before: date | None = None
    search: str | None = None
    limit: int = DEFAULT_PAGE_SIZE
    cursor: str | None = None


@dataclass(frozen=True, kw_only=True)
class ListTasks:
    """The caller's own tasks, newest first; nobody else's, admins' included."""

    uow: UnitOfWork

    def execute(self, query: ListTasksQuery) -> Page[Task]:
        after = decode_cursor(query.cursor)
        task_filter = TaskFilter(
            completed=query.completed,
            priority=query.priority,
            due_before=query.due_before,
            search=query.search,
        )
        with self.uow.read_only() as uow:
            rows = uow.tasks.list(query.actor.id, task_filter, limit=query.limit + 1, after=after)
        return page_of(rows, query.limit, creation_key)
