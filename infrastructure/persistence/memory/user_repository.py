"""Users in memory, with the SQL schema's unique rules."""

import copy
import uuid
from collections.abc import Callable
from dataclasses import replace

from application.pagination import PageKey
from application.ports.repositories import UserFilter
from domain.errors import EmailTaken, UsernameTaken
from domain.users import User, username_key
from infrastructure.persistence.memory.database import (
    Tables,
    TablesAccess,
    delete,
    insert,
    replace_row,
)
from infrastructure.persistence.memory.queries import contains_folded, copy_of, newest_first


class MemoryUserRepository:
    def __init__(self, tables: TablesAccess) -> None:
        self._tables = tables

    def add(self, user: User) -> None:
        tables = self._tables()
        _ensure_unique(tables, user)
        insert(tables, "users", user.id, user)

    def update(self, user: User) -> None:
        tables = self._tables()
        stored = tables.users.get(user.id)
        if stored is None:
            return
        _ensure_unique(tables, user)
        token_version = max(stored.token_version, user.token_version)
        replace_row(tables, "users", user.id, replace(user, token_version=token_version))

    def delete(self, user_id: uuid.UUID) -> None:
        delete(self._tables(), "users", user_id)

    def get(self, user_id: uuid.UUID) -> User | None:
        return copy_of(self._tables().users.get(user_id))

    def get_for_update(self, user_id: uuid.UUID) -> User | None:
        # The unit of work holds the store's lock: every row is as locked as it can be.
        return self.get(user_id)

    def get_by_username(self, username: str) -> User | None:
        key = username_key(username)
        return self._first(lambda user: username_key(user.username) == key)

    def get_by_email(self, email: str) -> User | None:
        return self._first(lambda user: user.email == email)

    def count_active_admins(self) -> int:
        # The unit of work holds the store's lock, so the count holds until it ends.
        return sum(user.counts_as_active_admin for user in self._tables().users.values())

    def list(self, user_filter: UserFilter, *, limit: int, after: PageKey | None) -> list[User]:
        rows = (user for user in self._tables().users.values() if _matches(user, user_filter))
        return [copy.copy(user) for user in newest_first(rows, limit=limit, after=after)]

    def _first(self, predicate: Callable[[User], bool]) -> User | None:
        found = next((user for user in self._tables().users.values() if predicate(user)), None)
        return copy_of(found)


def _ensure_unique(tables: Tables, user: User) -> None:
    """The SQL schema's unique constraints on username_key and email."""
    others = [other for other in tables.users.values() if other.id != user.id]
    key = username_key(user.username)
    if any(username_key(other.username) == key for other in others):
        raise UsernameTaken()
    if any(other.email == user.email for other in others):
        raise EmailTaken()


def _matches(user: User, user_filter: UserFilter) -> bool:
    if user_filter.active is not None and user.is_active != user_filter.active:
        return False
    if user_filter.role is not None and user.role != user_filter.role:
        return False
    # The same forms the SQL adapter searches: username_key and lower(full_name).
    return user_filter.search is None or contains_folded(
        user_filter.search, username_key(user.username), user.full_name
    )
