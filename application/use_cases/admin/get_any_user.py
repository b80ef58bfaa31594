from dataclasses import dataclass

from application.ports.unit_of_work import UnitOfWork
from application.services.authorization import Actor, AdminGate
from application.services.user_reference import find_user
from domain.users import User


@dataclass(frozen=True, kw_only=True)
class GetAnyUserQuery:
    actor: Actor
    user: str
    """The user's id or username."""


@dataclass(frozen=True, kw_only=True)
class GetAnyUser:
    """Any account, active or not, with its private fields: for admins."""

    uow: UnitOfWork
    gate: AdminGate

    def execute(self, query: GetAnyUserQuery) -> User:
        self.gate.authorize(query.actor)
        with self.uow.read_only() as uow:
            return find_user(uow, query.user)
