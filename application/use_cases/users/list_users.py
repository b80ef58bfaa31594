from dataclasses import dataclass

from application.pagination import DEFAULT_PAGE_SIZE, Page, creation_key, decode_cursor, page_of
from application.ports.repositories import UserFilter
from application.ports.unit_of_work import UnitOfWork
from domain.users import User


@dataclass(frozen=True)
class ListUsersQuery:
    search: str | None = None
    limit: int = DEFAULT_PAGE_SIZE
    cursor: str | None = None


@dataclass(frozen=True, kw_only=True)
class ListUsers:
    """The public directory: active users only, newest first."""

    uow: UnitOfWork

    def execute(self, query: ListUsersQuery) -> Page[User]:
        after = decode_cursor(query.cursor)
        with self.uow.read_only() as uow:
            rows = uow.users.list(
                UserFilter(search=query.search, active=True), limit=query.limit + 1, after=after
            )
        return page_of(rows, query.limit, creation_key)
