from dataclasses import dataclass

from application.audit import AuditTrail
from application.emails import EmailTemplates
from application.ports.audit import AuditEventType
from application.ports.unit_of_work import UnitOfWork
from application.services.authorization import Actor, AdminGate, actor_id
from application.services.second_factor import SecondFactors
from application.services.user_reference import find_user
from domain.users import User


@dataclass(frozen=True, kw_only=True)
class ResetMfaCommand:
    actor: Actor
    user: str
    """The user's id or username."""


@dataclass(frozen=True, kw_only=True)
class ResetMfa:
    """Turn off someone's second factor, for a user (or an admin) who lost it.

    For admins, and for the operator at the command line (`tessera users reset-mfa`): the
    authenticator, the recovery codes and the passkeys are removed, so the password alone signs
    in again. The user's sessions are left as they are. Audited as `mfa_reset` naming the admin
    (none for the operator), even when no second factor was on; the user gets a notice email
    when one was (or a passkey).
    """

    uow: UnitOfWork
    factors: SecondFactors
    templates: EmailTemplates
    audit: AuditTrail
    gate: AdminGate

    def execute(self, command: ResetMfaCommand) -> User:
        self.gate.authorize(command.actor)
        with self.uow as uow:
            user = find_user(uow, command.user, for_update=True)
            was_enabled = user.mfa_enabled
            self.factors.turn_off_totp(uow, user)
            passkeys_removed = uow.passkeys.delete_for_user(user.id)
            self.audit.record(
                uow,
                AuditEventType.MFA_RESET,
                user_id=user.id,
                actor_id=actor_id(command.actor),
                details={"was_enabled": was_enabled, "passkeys_removed": passkeys_removed},
            )
            if was_enabled or passkeys_removed:
                uow.emit(self.templates.mfa_reset(user.email, user.username))
            uow.commit()
        return user
