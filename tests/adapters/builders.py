"""Test data for the adapter tests."""

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from application.ports.unit_of_work import UnitOfWork
from domain.sessions import AuthSession
from domain.users import Role, User

UnitOfWorkFactory = Callable[[], UnitOfWork]

T0 = datetime(2024, 5, 1, 12, 0, 0, 123456, tzinfo=UTC)


def make_user(
    username: str = "Alice",
    email: str | None = None,
    *,
    role: Role = Role.USER,
    is_active: bool = True,
    full_name: str | None = None,
    created_at: datetime = T0,
) -> User:
    user = User.register(
        username=username,
        email=email or f"{username.lower()}@example.com",
        password_hash="argon2-hash",
        full_name=full_name,
        now=created_at,
        role=role,
    )
    user.is_active = is_active
    return user


def make_session(user: User, now: datetime = T0) -> AuthSession:
    return AuthSession.start(
        user_id=user.id,
        now=now,
        idle_lifetime=timedelta(days=7),
        max_lifetime=timedelta(days=30),
        user_agent="pytest",
        ip="127.0.0.1",
    )
