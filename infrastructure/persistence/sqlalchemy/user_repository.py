"""Users as SQLAlchemy Core statements; the schema's unique rules become domain errors."""

import uuid
from collections.abc import Iterator

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from application.pagination import PageKey
from application.ports.repositories import UserFilter
from domain.errors import DomainError, EmailTaken, UsernameTaken
from domain.users import Role, User, username_key
from infrastructure.persistence.sqlalchemy.mapping import user_from_row, user_values
from infrastructure.persistence.sqlalchemy.queries import (
    ConnectionAccess,
    contains_literal,
    folded,
    locked,
    never_lower,
    newest_first,
    write,
)
from infrastructure.persistence.sqlalchemy.tables import users


class SqlAlchemyUserRepository:
    def __init__(self, connection: ConnectionAccess) -> None:
        self._connection = connection

    def add(self, user: User) -> None:
        _write(self._connection(), sa.insert(users).values(user_values(user)))

    def update(self, user: User) -> None:
        values = user_values(user) | {
            "token_version": never_lower(users.c.token_version, user.token_version)
        }
        statement = sa.update(users).where(users.c.id == user.id).values(values)
        _write(self._connection(), statement)

    def delete(self, user_id: uuid.UUID) -> None:
        # The foreign keys' ON DELETE CASCADE removes what the user owns.
        self._connection().execute(sa.delete(users).where(users.c.id == user_id))

    def get(self, user_id: uuid.UUID) -> User | None:
        return self._one(users.c.id == user_id)

    def get_for_update(self, user_id: uuid.UUID) -> User | None:
        return self._one(users.c.id == user_id, for_update=True)

    def get_by_username(self, username: str) -> User | None:
        return self._one(users.c.username_key == username_key(username))

    def get_by_email(self, email: str) -> User | None:
        return self._one(users.c.email == email)

    def count_active_admins(self) -> int:
        # Lock the rows themselves (PostgreSQL refuses FOR UPDATE with an aggregate): a
        # concurrent demotion waits for this unit of work, then counts what it left.
        # In id order, so that two transactions lock them in the same order and never deadlock.
        statement = (
            sa.select(users.c.id)
            .where(users.c.role == Role.ADMIN.value, users.c.is_active.is_(True))
            .order_by(users.c.id)
            .with_for_update()
        )
        return len(self._connection().execute(statement).all())

    def list(self, user_filter: UserFilter, *, limit: int, after: PageKey | None) -> list[User]:
        statement = sa.select(users).where(*_user_conditions(user_filter))
        statement = newest_first(statement, users, limit=limit, after=after)
        rows = self._connection().execute(statement).mappings()
        return [user_from_row(row) for row in rows]

    def _one(self, condition: sa.ColumnElement[bool], *, for_update: bool = False) -> User | None:
        statement = sa.select(users).where(condition)
        if for_update:
            statement = locked(statement)
        row = self._connection().execute(statement).mappings().first()
        return None if row is None else user_from_row(row)


def _write(connection: Connection, statement: sa.Executable) -> None:
    """Run a write that a constraint may refuse, translating unique violations to domain errors."""
    try:
        write(connection, statement)
    except IntegrityError as error:
        taken = _taken_error(error)
        if taken is None:
            raise
        raise taken from None


def _taken_error(error: IntegrityError) -> DomainError | None:
    # PostgreSQL names the constraint; SQLite's message names the column ("users.email").
    diagnostics = getattr(error.orig, "diag", None)
    culprit = getattr(diagnostics, "constraint_name", None) or str(error.orig)
    if users.c.username_key.name in culprit:
        return UsernameTaken()
    if users.c.email.name in culprit:
        return EmailTaken()
    return None


def _user_conditions(user_filter: UserFilter) -> Iterator[sa.ColumnElement[bool]]:
    if user_filter.active is not None:
        yield users.c.is_active.is_(user_filter.active)
    if user_filter.role is not None:
        yield users.c.role == user_filter.role.value
    if user_filter.search is not None:
        # username_key is the username already folded.
        yield contains_literal(user_filter.search, users.c.username_key, folded(users.c.full_name))
