"""Rows to domain objects and back; columns are named after the dataclasses' fields."""

from dataclasses import asdict
from typing import Any

from sqlalchemy import RowMapping

from domain.sessions import AuthSession
from domain.users import Role, User, username_key


def user_values(user: User) -> dict[str, Any]:
    return asdict(user) | {"role": user.role.value, "username_key": username_key(user.username)}


def user_from_row(row: RowMapping) -> User:
    values = {name: value for name, value in row.items() if name != "username_key"}
    return User(**values | {"role": Role(values["role"])})


def session_values(session: AuthSession) -> dict[str, Any]:
    return asdict(session)


def session_from_row(row: RowMapping) -> AuthSession:
    return AuthSession(**row)
