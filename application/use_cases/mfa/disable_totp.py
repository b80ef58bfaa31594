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
from domain.mfa import SecondFactorMethod


@dataclass(frozen=True, kw_only=True)
class DisableTotpCommand:
    user_id: uuid.UUID
    password: str
    code: str
    """A code from the authenticator app, or a recovery code."""


@dataclass(frozen=True, kw_only=True)
class DisableTotp:
    """Turn the authenticator app off: the password alone signs in again.

    Rules: the current password and a code of the second factor (from the app, or a recovery
    code) are both required; a wrong one is 400 (`invalid_current_password`,
    `invalid_mfa_code`) and counts toward the account's login throttle (429 after too many),
    cleared only once both are right. Without a second factor on, 409 `mfa_not_enabled`. The
    recovery codes stop working. Sessions are left as they are. Audited as `mfa_disabled`, and
    the user gets a notice email.
    """

    uow: UnitOfWork
    hasher: PasswordHasher
    throttle: Throttle
    factors: SecondFactors
    templates: EmailTemplates
    audit: AuditTrail

    def execute(self, command: DisableTotpCommand) -> None:
        with confirmed_with_code(
            uow=self.uow,
            hasher=self.hasher,
            throttle=self.throttle,
            factors=self.factors,
            audit=self.audit,
            user_id=command.user_id,
            password=command.password,
            code=command.code,
            purpose="disable_totp",
        ) as confirmed:
            self.factors.turn_off_totp(confirmed.uow, confirmed.user)
            self.audit.record(
                confirmed.uow,
                AuditEventType.MFA_DISABLED,
                user_id=confirmed.user.id,
                details={
                    "method": SecondFactorMethod.TOTP.value,
                    "confirmed_with": confirmed.method.value,
                },
            )
            confirmed.uow.emit(
                self.templates.mfa_disabled(confirmed.user.email, confirmed.user.username)
            )
            confirmed.uow.commit()
