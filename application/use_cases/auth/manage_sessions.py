import uuid
from dataclasses import dataclass

from application.audit import AuditTrail
from application.errors import SessionNotFound
from application.ports.audit import AuditEventType
from application.ports.clock import Clock
from application.ports.unit_of_work import UnitOfWork
from domain.sessions import AuthSession
from domain.users import User


class ListSessions:
    """The caller's live sessions (devices), newest first."""

    def __init__(self, uow: UnitOfWork, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    def execute(self, actor: User) -> list[AuthSession]:
        with self._uow.read_only() as uow:
            return uow.sessions.list_live_for_user(actor.id, self._clock.now())


@dataclass(frozen=True)
class RevokeSessionCommand:
    actor: User
    session_id: uuid.UUID


class RevokeSession:
    """Sign one of the caller's own sessions out; anyone else's is as missing as no session."""

    def __init__(self, uow: UnitOfWork, clock: Clock, audit: AuditTrail) -> None:
        self._uow = uow
        self._clock = clock
        self._audit = audit

    def execute(self, command: RevokeSessionCommand) -> None:
        now = self._clock.now()
        with self._uow as uow:
            session = uow.sessions.get_for_update(command.session_id)
            if session is None or session.user_id != command.actor.id or not session.is_usable(now):
                raise SessionNotFound()
            session.revoke(now)
            uow.sessions.update(session)
            details = {"session_id": str(session.id)}
            self._audit.record(uow, AuditEventType.LOGOUT, user_id=session.user_id, details=details)
            uow.commit()
