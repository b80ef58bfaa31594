"""Early, friendly checks that a name is free; the store's unique constraints still decide races."""

import uuid

from application.ports.unit_of_work import UnitOfWork
from domain.errors import EmailTaken, UsernameTaken


def ensure_username_free(
    uow: UnitOfWork, username: str, *, except_user: uuid.UUID | None = None
) -> None:
    owner = uow.users.get_by_username(username)
    if owner is not None and owner.id != except_user:
        raise UsernameTaken()


def ensure_email_free(uow: UnitOfWork, email: str, *, except_user: uuid.UUID | None = None) -> None:
    owner = uow.users.get_by_email(email)
    if owner is not None and owner.id != except_user:
        raise EmailTaken()
