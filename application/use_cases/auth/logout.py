import uuid
from dataclasses import dataclass
from datetime import datetime

from application.audit import AuditTrail
from application.ports.audit import AuditEventType
from application.ports.clock import Clock
from application.ports.unit_of_work import UnitOfWork
from application.secret_tokens import hash_secret_token
from domain.users import User


@dataclass(frozen=True)
class LogoutCommand:
    refresh_token: str


@dataclass(frozen=True, kw_only=True)
class Logout:
    """End the session a refresh token belongs to: its refresh and access tokens stop working.

    Idempotent: an unknown or already revoked token is not an error.
    """

    uow: UnitOfWork
    clock: Clock
    audit: AuditTrail

    def execute(self, command: LogoutCommand) -> None:
        with self.uow as uow:
            record = uow.sessions.find_refresh_token(hash_secret_token(command.refresh_token))
            if record is not None:
                _end_session(uow, record.session_id, self.clock.now(), self.audit)


@dataclass(frozen=True, kw_only=True)
class LogoutBrowser:
    """End the session a browser's cookie key belongs to. Idempotent, like `Logout`."""

    uow: UnitOfWork
    clock: Clock
    audit: AuditTrail

    def execute(self, key: str) -> None:
        with self.uow as uow:
            found = uow.sessions.get_with_user_by_browser_key(hash_secret_token(key))
            if found is not None:
                _end_session(uow, found[0].id, self.clock.now(), self.audit)


@dataclass(frozen=True, kw_only=True)
class LogoutEverywhere:
    """End every session of the caller: every access and refresh token issued before is refused."""

    uow: UnitOfWork
    clock: Clock
    audit: AuditTrail

    def execute(self, actor: User) -> None:
        now = self.clock.now()
        with self.uow as uow:
            user = uow.users.get_for_update(actor.id)
            if user is None:
                return
            user.revoke_tokens()
            uow.users.update(user)
            uow.sessions.revoke_all_for_user(user.id, now)
            details = {"all_sessions": True}
            self.audit.record(uow, AuditEventType.LOGOUT, user_id=user.id, details=details)
            uow.commit()


def _end_session(uow: UnitOfWork, session_id: uuid.UUID, now: datetime, audit: AuditTrail) -> None:
    session = uow.sessions.get_for_update(session_id)
    if session is None or session.is_revoked:
        return
    session.revoke(now)
    uow.sessions.update(session)
    details = {"session_id": str(session.id)}
    audit.record(uow, AuditEventType.LOGOUT, user_id=session.user_id, details=details)
    uow.commit()
