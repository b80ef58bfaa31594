import uuid
from dataclasses import dataclass

from application.audit import AuditTrail
from application.ports.audit import AuditEventType
from application.ports.clock import Clock
from application.ports.password_hasher import PasswordHasher
from application.ports.unit_of_work import UnitOfWork
from application.services.password_check import load_after_password_check
from application.services.throttling import Throttle
from domain.errors import UserNotFound
from domain.users import ensure_an_admin_remains


@dataclass(frozen=True)
class DeactivateAccountCommand:
    user_id: uuid.UUID
    password: str


@dataclass(frozen=True, kw_only=True)
class DeactivateAccount:
    """The caller closes their own account; an admin can reopen it.

    Rules: the password must be right (wrong ones count like failed logins); the last active admin
    cannot leave; every token stops working.
    """

    uow: UnitOfWork
    hasher: PasswordHasher
    throttle: Throttle
    clock: Clock
    audit: AuditTrail

    def execute(self, command: DeactivateAccountCommand) -> None:
        load_after_password_check(
            self.uow, self.hasher, self.throttle, command.user_id, command.password
        )
        now = self.clock.now()
        with self.uow as uow:
            # The admins first, then the user: every last-admin guard locks in this order.
            active_admins = uow.users.count_active_admins()
            user = uow.users.get_for_update(command.user_id)
            if user is None:
                raise UserNotFound()
            ensure_an_admin_remains(user, active_admins)
            user.deactivate(now)
            uow.users.update(user)
            uow.sessions.revoke_all_for_user(user.id, now)
            self.audit.record(uow, AuditEventType.ACCOUNT_DEACTIVATED, user_id=user.id)
            uow.commit()
