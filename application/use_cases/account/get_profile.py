import uuid

from application.ports.unit_of_work import UnitOfWork
from domain.errors import UserNotFound
from domain.users import User


class GetProfile:
    """The caller's own account, with its private fields."""

    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    def execute(self, user_id: uuid.UUID) -> User:
        with self._uow.read_only() as uow:
            user = uow.users.get(user_id)
        if user is None:
            raise UserNotFound()
        return user
