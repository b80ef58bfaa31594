import uuid
from dataclasses import dataclass

from application.audit import AuditTrail
from application.emails import EmailTemplates
from application.errors import InvalidCurrentPassword, InvalidMfaCode, MfaNotEnabled
from application.ports.audit import AuditEventType
from application.ports.password_hasher import PasswordHasher
from application.ports.unit_of_work import UnitOfWork
from application.services.password_check import load_after_password_check
from application.services.second_factor import SecondFactors
from application.services.throttling import Throttle, user_account


@dataclass(frozen=True, kw_only=True)
class RegenerateRecoveryCodesCommand:
    user_id: uuid.UUID
    password: str
    code: str
    """A code from the authenticator app, or one of the recovery codes about to be replaced."""


@dataclass(frozen=True, kw_only=True)
class RegenerateRecoveryCodes:
    """Replace the recovery codes with ten new ones; the old ones stop working.

    Rules: as for turning the authenticator off, the current password and a code of the second
    factor are both required (400 `invalid_current_password` / `invalid_mfa_code`, counted toward
    the account's login throttle); 409 `mfa_not_enabled` without a second factor. The new codes
    are shown only here. Audited as `recovery_codes_regenerated`, and the user gets a notice email.
    """

    uow: UnitOfWork
    hasher: PasswordHasher
    throttle: Throttle
    factors: SecondFactors
    templates: EmailTemplates
    audit: AuditTrail

    def execute(self, command: RegenerateRecoveryCodesCommand) -> list[str]:
        user = load_after_password_check(
            self.uow,
            self.hasher,
            self.throttle,
            command.user_id,
            command.password,
            clear_failures=False,
        )
        try:
            with self.uow as uow:
                current = uow.users.get_for_update(user.id)
                if current is None or current.password_hash != user.password_hash:
                    raise InvalidCurrentPassword()  # changed meanwhile by another request
                if not current.mfa_enabled:
                    raise MfaNotEnabled()
                method = self.factors.check_code(uow, current, command.code)
                if method is None:
                    raise InvalidMfaCode()
                codes = self.factors.new_recovery_codes(uow, current)
                self.audit.record(
                    uow,
                    AuditEventType.RECOVERY_CODES_REGENERATED,
                    user_id=current.id,
                    details={"confirmed_with": method.value},
                )
                uow.emit(self.templates.recovery_codes_regenerated(current.email, current.username))
                uow.commit()
        except InvalidMfaCode:
            self.audit.record_alone(
                AuditEventType.MFA_FAILED,
                user_id=user.id,
                details={"while": "regenerate_recovery_codes"},
            )
            raise
        except MfaNotEnabled:
            self.throttle.succeeded(user_account(user.id))  # the password was right; no code asked
            raise
        self.throttle.succeeded(user_account(user.id))
        return codes
