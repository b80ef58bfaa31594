from dataclasses import dataclass

from application.audit import AuditTrail
from application.ports.unit_of_work import UnitOfWork
from application.services.authorization import Actor, authorize_admin
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
    audit: AuditTrail

    def execute(self, query: GetAnyUserQuery) -> User:
        authorize_admin(query.actor, self.audit)
        with self.uow.read_only() as uow:
            return find_user(uow, query.user)
