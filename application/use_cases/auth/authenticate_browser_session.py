from dataclasses import dataclass
from datetime import datetime, timedelta

from application.audit import AuditTrail
from application.errors import AccountInactive, InvalidToken
from application.ports.clock import Clock
from application.ports.unit_of_work import UnitOfWork
from application.secret_tokens import hash_secret_token
from application.services.session_tokens import SessionLifetimes
from domain.sessions import AuthSession
from domain.users import User

TOUCH_INTERVAL = timedelta(minutes=1)
"""How stale `last_used_at` may get before a page view writes it again: a page view is a read,
and a write per view would cost more than the idle expiry is worth to the minute."""


@dataclass(frozen=True)
class BrowserVisit:
    user: User
    session: AuthSession


@dataclass(frozen=True, kw_only=True)
class AuthenticateBrowserSession:
    """Turn a browser's session cookie into the current user, or refuse it.

    Rules: the cookie's key must belong to a session that is neither logged out, revoked nor
    expired (idle or absolute), and its user active. Every event that ends a user's sessions
    (logout-all, password change or reset, deactivation, role change) revokes them, so the next
    page sees it. Each use moves the idle expiry on, as a refresh does for an API client.
    """

    uow: UnitOfWork
    clock: Clock
    lifetimes: SessionLifetimes
    audit: AuditTrail

    def execute(self, key: str) -> BrowserVisit:
        now = self.clock.now()
        with self.uow.read_only() as uow:
            found = uow.sessions.get_with_user_by_browser_key(hash_secret_token(key))
        if found is None:
            raise InvalidToken()  # an old cookie after logout is routine: nothing to record
        session, user = found
        if not session.is_usable(now):
            raise InvalidToken()
        with self.audit.refusals(user.id):
            if not user.is_active:
                raise AccountInactive()
        if now - session.last_used_at >= TOUCH_INTERVAL:
            self._touch(session, now)
        return BrowserVisit(user=user, session=session)

    def _touch(self, session: AuthSession, now: datetime) -> None:
        with self.uow as uow:
            current = uow.sessions.get_for_update(session.id)
            if current is None or not current.is_usable(now):
                return  # ended meanwhile: this page still shows, the next one will not
            current.touch(now, self.lifetimes.idle)
            uow.sessions.update(current)
            uow.commit()
