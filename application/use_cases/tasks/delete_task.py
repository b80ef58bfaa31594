from application.ports.unit_of_work import UnitOfWork
from application.use_cases.tasks.get_task import TaskReference
from domain.errors import TaskNotFound


class DeleteTask:
    """Delete one of the caller's own tasks."""

    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    def execute(self, reference: TaskReference) -> None:
        with self._uow as uow:
            if not uow.tasks.delete(reference.actor.id, reference.task_id):
                raise TaskNotFound()
            uow.commit()
