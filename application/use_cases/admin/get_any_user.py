from dataclasses import dataclass

from application.ports.unit_of_work import UnitOfWork
from application.services.authorization import authorize_admin
from application.services.user_reference import find_user
from domain.users import User


@dataclass(frozen=True)
class GetAnyUserQuery:
    user: str
    """The user's id or username."""
    actor: User | None = None


class GetAnyUser:
    """Any account, active or not, with its private fields: for admins."""

    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    def execute(self, query: GetAnyUserQuery) -> User:
        authorize_admin(query.actor)
        with self._uow.read_only() as uow:
            return find_user(uow, query.user)
