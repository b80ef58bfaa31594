"""How an operator names a user: by id, or by username (any case)."""

import uuid

from application.ports.unit_of_work import UnitOfWork
from domain.errors import UserNotFound
from domain.users import User


def find_user(uow: UnitOfWork, reference: str, *, for_update: bool = False) -> User:
    """The user named by `reference`; with `for_update`, locked until the unit of work ends."""
    try:
        user_id = uuid.UUID(reference)
    except ValueError:
        named = uow.users.get_by_username(reference)
        if named is None:
            raise UserNotFound() from None
        user_id = named.id
    user = uow.users.get_for_update(user_id) if for_update else uow.users.get(user_id)
    if user is None:
        raise UserNotFound()
    return user
