from dataclasses import dataclass

from application.pagination import DEFAULT_PAGE_SIZE, Page, creation_key, decode_cursor, page_of
from application.ports.repositories import UserFilter
from application.ports.unit_of_work import UnitOfWork
from application.services.authorization import Actor, AdminGate
from domain.users import Role, User


@dataclass(frozen=True, kw_only=True)
class ListAllUsersQuery:
    actor: Actor
    include_inactive: bool = True
    role: Role | None = None
    search: str | None = None
    limit: int = DEFAULT_PAGE_SIZE
    cursor: str | None = None


@dataclass(frozen=True, kw_only=True)
class ListAllUsers:
    """Every account with its private fields, inactive ones included by default.

    For admins, and for the operator at the command line."""

    uow: UnitOfWork
    gate: AdminGate

    def execute(self, query: ListAllUsersQuery) -> Page[User]:
        self.gate.authorize(query.actor)
        after = decode_cursor(query.cursor)
        user_filter = UserFilter(
            search=query.search, role=query.role, active=None if query.include_inactive else True
        )
        with self.uow.read_only() as uow:
            rows = uow.users.list(user_filter, limit=query.limit + 1, after=after)
        return page_of(rows, query.limit, creation_key)
