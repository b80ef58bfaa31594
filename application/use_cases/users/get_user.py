import uuid
from dataclasses import dataclass

from application.ports.unit_of_work import UnitOfWork
from domain.errors import UserNotFound
from domain.users import User


@dataclass(frozen=True, kw_only=True)
class GetUser:
    """Another user's public profile; an inactive user is as missing as one that never existed."""

    uow: UnitOfWork

    def execute(self, user_id: uuid.UUID) -> User:
        with self.uow.read_only() as uow:
            user = uow.users.get(user_id)
        if user is None or not user.is_active:
            raise UserNotFound()
        return user
