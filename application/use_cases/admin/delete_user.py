from dataclasses import dataclass

from application.audit import AuditTrail
from application.ports.audit import AuditEventType
from application.ports.unit_of_work import UnitOfWork
from application.services.authorization import Actor, AdminGate, actor_id
from application.services.user_reference import find_user
from domain.users import ensure_an_admin_remains


@dataclass(frozen=True, kw_only=True)
class DeleteUserCommand:
    actor: Actor
    user: str
    """The user's id or username."""


@dataclass(frozen=True, kw_only=True)
class DeleteUser:
    """Delete an account with everything it owns; the last active admin cannot be deleted."""

    uow: UnitOfWork
    audit: AuditTrail
    gate: AdminGate

    def execute(self, command: DeleteUserCommand) -> None:
        self.gate.authorize(command.actor)
        with self.uow as uow:
            # The admins first, then the user: every last-admin guard locks in this order.
            active_admins = uow.users.count_active_admins()
            user = find_user(uow, command.user, for_update=True)
            ensure_an_admin_remains(user, active_admins)
            uow.users.delete(user.id)
            self.audit.record(
                uow,
                AuditEventType.ACCOUNT_DELETED,
                user_id=user.id,
                actor_id=actor_id(command.actor),
            )
            uow.commit()
