import uuid
from dataclasses import dataclass

from application.ports.unit_of_work import UnitOfWork
from domain.permissions import ensure_task_visible
from domain.tasks import Task
from domain.users import User


@dataclass(frozen=True)
class TaskReference:
    actor: User
    task_id: uuid.UUID


@dataclass(frozen=True, kw_only=True)
class GetTask:
    """One of the caller's tasks; anyone else's is as missing as one that never existed."""

    uow: UnitOfWork

    def execute(self, reference: TaskReference) -> Task:
        with self.uow.read_only() as uow:
            task = uow.tasks.get(reference.actor.id, reference.task_id)
        return ensure_task_visible(reference.actor, task)
