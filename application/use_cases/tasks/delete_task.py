from dataclasses import dataclass

from application.ports.unit_of_work import UnitOfWork
from application.use_cases.tasks.get_task import TaskReference
from domain.errors import TaskNotFound


@dataclass(frozen=True, kw_only=True)
class DeleteTask:
    """Delete one of the caller's own tasks."""

    uow: UnitOfWork

    def execute(self, reference: TaskReference) -> None:
        with self.uow as uow:
            if not uow.tasks.delete(reference.actor.id, reference.task_id):
                raise TaskNotFound()
            uow.commit()
