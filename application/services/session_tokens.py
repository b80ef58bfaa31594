"""Starting a session: an API client's first token pair, or a browser's cookie key.

Shared by login and password change. Both kinds are the same `AuthSession` (listed, revoked and
expired alike); only what the client holds differs.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Protocol, TypeVar

from application.ports.clock import Clock
from application.ports.tokens import AccessTokenService
from application.ports.unit_of_work import UnitOfWork
from application.request_context import current_request
from application.secret_tokens import hash_secret_token, new_secret_token
from domain.sessions import AuthSession
from domain.users import User


@dataclass(frozen=True)
class IssuedTokens:
    access_token: str
    expires_in: int
    refresh_token: str
    session: AuthSession
    user: User


@dataclass(frozen=True)
class BrowserSignIn:
    key: str
    """The cookie's value: 256 random bits, stored only as a hash. Never a JWT."""
    session: AuthSession
    user: User


class _StartedSession(Protocol):
    @property
    def session(self) -> AuthSession: ...


Started = TypeVar("Started", bound=_StartedSession)
"""What starting a session hands the client: `IssuedTokens` (API) or `BrowserSignIn` (pages)."""
SessionStart = Callable[[UnitOfWork, User], Started]
"""`SessionStarter.start` or `SessionStarter.start_browser`: how a use case generic over the
client starts its session."""


@dataclass(frozen=True)
class SessionLifetimes:
    idle: timedelta
    """A session unused for this long expires (REFRESH_TOKEN_EXPIRE_DAYS)."""
    absolute: timedelta
    """A session expires this long after login, used or not (SESSION_MAX_LIFETIME_DAYS)."""


@dataclass(frozen=True, kw_only=True)
class SessionStarter:
    tokens: AccessTokenService
    clock: Clock
    lifetimes: SessionLifetimes

    def start(self, uow: UnitOfWork, user: User) -> IssuedTokens:
        """Record a new session in `uow` (the caller commits) and issue its tokens."""
        session = self._new_session(uow, user)
        refresh_token = new_secret_token()
        uow.sessions.add_refresh_token(
            session.id, hash_secret_token(refresh_token), session.created_at
        )
        access = self.tokens.issue(user, session.id)
        return IssuedTokens(
            access_token=access.token,
            expires_in=access.expires_in,
            refresh_token=refresh_token,
            session=session,
            user=user,
        )

    def start_browser(self, uow: UnitOfWork, user: User) -> BrowserSignIn:
        """Record a new session in `uow` (the caller commits) for a browser: a new cookie key."""
        session = self._new_session(uow, user)
        key = new_secret_token()
        uow.sessions.add_browser_key(session.id, hash_secret_token(key))
        return BrowserSignIn(key=key, session=session, user=user)

    def _new_session(self, uow: UnitOfWork, user: User) -> AuthSession:
        """The session remembers the device it was started from: the caller's address and agent."""
        caller = current_request()
        session = AuthSession.start(
            user_id=user.id,
            now=self.clock.now(),
            idle_lifetime=self.lifetimes.idle,
            max_lifetime=self.lifetimes.absolute,
            user_agent=caller.user_agent,
            ip=caller.ip,
        )
        uow.sessions.add(session)
        return session
