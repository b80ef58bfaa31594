"""How an operator names a user: by id, or by username (any case)."""

import uuid

from application.ports.unit_of_work import UnitOfWork
from domain.errors import UserNotFound
from domain.users import User


def find_user(uow: UnitOfWork, reference: str) -> User:
    try:
        user = uow.users.get(uuid.UUID(reference))
    except ValueError:
        user = uow.users.get_by_username(reference)
    if user is None:
        raise UserNotFound()
    return user
