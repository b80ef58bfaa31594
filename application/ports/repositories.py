import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from application.pagination import PageKey
from domain.sessions import AuthSession
from domain.users import Role, User


@dataclass(frozen=True)
class UserFilter:
    search: str | None = None
    """Case-insensitive literal substring of the username or the full name."""
    active: bool | None = None
    role: Role | None = None


class UserRepository(Protocol):
    def add(self, user: User) -> None:
        """Raise UsernameTaken or EmailTaken when the store's unique rule refuses the user."""
        ...

    def update(self, user: User) -> None:
        """Store every field of `user`; the same unique rules as `add` apply."""
        ...

    def delete(self, user_id: uuid.UUID) -> None:
        """Remove the user and everything they own (sessions, tasks, posts)."""
        ...

    def get(self, user_id: uuid.UUID) -> User | None: ...

    def get_by_username(self, username: str) -> User | None:
        """Find by username, case-insensitively."""
        ...

    def get_by_email(self, email: str) -> User | None:
        """Find by an already normalised email."""
        ...

    def count_active_admins(self) -> int:
        """Count active admins, locking them against concurrent change until the unit of work ends."""
        ...

    def list(self, user_filter: UserFilter, *, limit: int, after: PageKey | None) -> list[User]:
        """Newest first (created_at, then id, descending), strictly after `after`."""
        ...


class SessionRepository(Protocol):
    def add(self, session: AuthSession) -> None: ...

    def get(self, session_id: uuid.UUID) -> AuthSession | None: ...

    def update(self, session: AuthSession) -> None: ...

    def revoke_all_for_user(self, user_id: uuid.UUID, now: datetime) -> None: ...

    def add_refresh_token(self, session_id: uuid.UUID, token_hash: str, now: datetime) -> None:
        """Record the hash of a new refresh token of the session; the token itself is never stored."""
        ...
