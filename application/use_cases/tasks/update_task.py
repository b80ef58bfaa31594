import uuid
from dataclasses import dataclass
from datetime import date

from application.ports.clock import Clock
from application.ports.unit_of_work import UnitOfWork
from application.unset import UNSET, Unset
from domain.permissions import ensure_task_visible
from domain.tasks import Priority, Task, validate_task_description, validate_task_title
from domain.users import User


@dataclass(frozen=True)
class UpdateTaskCommand:
    actor: User
    task_id: uuid.UUID
    title: str | Unset = UNSET
    description: str | Unset | None = UNSET
    completed: bool | Unset = UNSET
    priority: Priority | Unset = UNSET
    due_date: date | Unset | None = UNSET


@dataclass(frozen=True, kw_only=True)
class UpdateTask:
    """Change any subset of the fields of one of the caller's own tasks."""

    uow: UnitOfWork
    clock: Clock

    def execute(self, command: UpdateTaskCommand) -> Task:
        with self.uow as uow:
            task = ensure_task_visible(
                command.actor, uow.tasks.get_for_update(command.actor.id, command.task_id)
            )
            if not isinstance(command.title, Unset):
                task.title = validate_task_title(command.title)
            if not isinstance(command.description, Unset):
                task.description = validate_task_description(command.description)
            if not isinstance(command.completed, Unset):
                task.completed = command.completed
            if not isinstance(command.priority, Unset):
                task.priority = command.priority
            if not isinstance(command.due_date, Unset):
                task.due_date = command.due_date
            task.updated_at = self.clock.now()
            uow.tasks.update(task)
            uow.commit()
        return task
