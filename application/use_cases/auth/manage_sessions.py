import uuid
from dataclasses import dataclass

from application.audit import AuditTrail
from application.errors import SessionNotFound
from application.ports.audit import AuditEventType
from application.ports.clock import Clock
from application.ports.unit_of_work import UnitOfWork
from domain.sessions import AuthSession
from domain.users import User


@dataclass(frozen=True, kw_only=True)
class ListSessions:
    """The caller's live sessions (devices), newest first."""

    uow: UnitOfWork
    clock: Clock

    def execute(self, actor: User) -> list[AuthSession]:
        with self.uow.read_only() as uow:
            return uow.sessions.list_live_for_user(actor.id, self.clock.now())


@dataclass(frozen=True)
class RevokeSessionCommand:
    actor: User
    session_id: uuid.UUID


@dataclass(frozen=True, kw_only=True)
class RevokeSession:
    """Sign one of the caller's own sessions out; anyone else's is as missing as no session."""

    uow: UnitOfWork
    clock: Clock
    audit: AuditTrail

    def execute(self, command: RevokeSessionCommand) -> None:
        now = self.clock.now()
        with self.uow as uow:
            session = uow.sessions.get_for_update(command.session_id)
            if session is None or session.user_id != command.actor.id or not session.is_usable(now):
                raise SessionNotFound()
            session.revoke(now)
            uow.sessions.update(session)
            details = {"session_id": str(session.id)}
            self.audit.record(uow, AuditEventType.LOGOUT, user_id=session.user_id, details=details)
            uow.commit()
