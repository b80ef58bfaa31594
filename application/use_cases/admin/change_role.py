from dataclasses import dataclass

from application.audit import AuditTrail
from application.ports.audit import AuditEventType
from application.ports.clock import Clock
from application.ports.unit_of_work import UnitOfWork
from application.services.authorization import Actor, AdminGate, actor_id
from application.services.user_reference import find_user
from domain.users import Role, User, ensure_an_admin_remains


@dataclass(frozen=True, kw_only=True)
class ChangeRoleCommand:
    actor: Actor
    user: str
    """The user's id or username."""
    role: Role


@dataclass(frozen=True, kw_only=True)
class ChangeRole:
    """Make a user an admin or an ordinary user; the last active admin cannot be demoted.

    The user's earlier tokens stop working at once: they carry the old role.
    """

    uow: UnitOfWork
    clock: Clock
    audit: AuditTrail
    gate: AdminGate

    def execute(self, command: ChangeRoleCommand) -> User:
        self.gate.authorize(command.actor)
        now = self.clock.now()
        with self.uow as uow:
            # The admins first, then the user: every last-admin guard locks in this order.
            active_admins = uow.users.count_active_admins()
            user = find_user(uow, command.user, for_update=True)
            if user.role is command.role:
                return user
            if command.role is not Role.ADMIN:
                ensure_an_admin_remains(user, active_admins)
            previous = user.role
            user.change_role(command.role, now)
            uow.users.update(user)
            uow.sessions.revoke_all_for_user(user.id, now)
            self.audit.record(
                uow,
                AuditEventType.ROLE_CHANGED,
                user_id=user.id,
                actor_id=actor_id(command.actor),
                details={"from": previous.value, "to": user.role.value},
            )
            uow.commit()
        return user
