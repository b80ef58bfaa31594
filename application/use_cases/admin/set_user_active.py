from dataclasses import dataclass

from application.audit import AuditTrail
from application.ports.audit import AuditEventType
from application.ports.clock import Clock
from application.ports.unit_of_work import UnitOfWork
from application.services.authorization import Actor, AdminGate, actor_id
from application.services.user_reference import find_user
from domain.users import User, ensure_an_admin_remains


@dataclass(frozen=True, kw_only=True)
class SetUserActiveCommand:
    actor: Actor
    user: str
    """The user's id or username."""


@dataclass(frozen=True, kw_only=True)
class ActivateUser:
    """Reopen an account; its old tokens stay revoked."""

    uow: UnitOfWork
    clock: Clock
    audit: AuditTrail
    gate: AdminGate

    def execute(self, command: SetUserActiveCommand) -> User:
        self.gate.authorize(command.actor)
        with self.uow as uow:
            user = find_user(uow, command.user, for_update=True)
            user.activate(self.clock.now())
            uow.users.update(user)
            self.audit.record(
                uow,
                AuditEventType.ACCOUNT_ACTIVATED,
                user_id=user.id,
                actor_id=actor_id(command.actor),
            )
            uow.commit()
        return user


@dataclass(frozen=True, kw_only=True)
class DeactivateUser:
    """Close someone's account: every token of theirs stops working. The last active admin stays."""

    uow: UnitOfWork
    clock: Clock
    audit: AuditTrail
    gate: AdminGate

    def execute(self, command: SetUserActiveCommand) -> User:
        self.gate.authorize(command.actor)
        now = self.clock.now()
        with self.uow as uow:
            # The admins first, then the user: every last-admin guard locks in this order.
            active_admins = uow.users.count_active_admins()
            user = find_user(uow, command.user, for_update=True)
            ensure_an_admin_remains(user, active_admins)
            user.deactivate(now)
            uow.users.update(user)
            uow.sessions.revoke_all_for_user(user.id, now)
            self.audit.record(
                uow,
                AuditEventType.ACCOUNT_DEACTIVATED,
                user_id=user.id,
                actor_id=actor_id(command.actor),
            )
            uow.commit()
        return user
