from dataclasses import dataclass
from datetime import date

from application.ports.clock import Clock
from application.ports.unit_of_work import UnitOfWork
from domain.tasks import Priority, Task
from domain.users import User


@dataclass(frozen=True)
class CreateTaskCommand:
    actor: User
    title: str
    description: str | None = None
    completed: bool = False
    priority: Priority = Priority.MEDIUM
    due_date: date | None = None


@dataclass(frozen=True, kw_only=True)
class CreateTask:
    """A new task, owned by whoever creates it (no one can create a task for someone else)."""

    uow: UnitOfWork
    clock: Clock

    def execute(self, command: CreateTaskCommand) -> Task:
        task = Task.create(
            owner_id=command.actor.id,
            title=command.title,
            description=command.description,
            completed=command.completed,
            priority=command.priority,
            due_date=command.due_date,
            now=self.clock.now(),
        )
        with self.uow as uow:
            uow.tasks.add(task)
            uow.commit()
        return task
