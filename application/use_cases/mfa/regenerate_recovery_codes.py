import uuid
from dataclasses import dataclass

from application.audit import AuditTrail
from application.emails import EmailTemplates
from application.ports.audit import AuditEventType
from application.ports.password_hasher import PasswordHasher
from application.ports.unit_of_work import UnitOfWork
from application.services.code_confirmation import confirmed_with_code
from application.services.second_factor import SecondFactors
from application.services.throttling import Throttle


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
        with confirmed_with_code(
            uow=self.uow,
            hasher=self.hasher,
            throttle=self.throttle,
            factors=self.factors,
            audit=self.audit,
            user_id=command.user_id,
            password=command.password,
            code=command.code,
            purpose="regenerate_recovery_codes",
        ) as confirmed:
            codes = self.factors.new_recovery_codes(confirmed.uow, confirmed.user)
            self.audit.record(
                confirmed.uow,
                AuditEventType.RECOVERY_CODES_REGENERATED,
                user_id=confirmed.user.id,
                details={"confirmed_with": confirmed.method.value},
            )
            confirmed.uow.emit(
                self.templates.recovery_codes_regenerated(
                    confirmed.user.email, confirmed.user.username
                )
            )
            confirmed.uow.commit()
        return codes
