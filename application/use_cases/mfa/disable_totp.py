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
                self.factors.turn_off_totp(uow, current)
                self.audit.record(
                    uow,
                    AuditEventType.MFA_DISABLED,
                    user_id=current.id,
                    details={
                        "method": SecondFactorMethod.TOTP.value,
                        "confirmed_with": method.value,
                    },
                )
                uow.emit(self.templates.mfa_disabled(current.email, current.username))
                uow.commit()
        except InvalidMfaCode:
            self.audit.record_alone(
                AuditEventType.MFA_FAILED, user_id=user.id, details={"while": "disable_totp"}
            )
            raise
        except MfaNotEnabled:
            self.throttle.succeeded(user_account(user.id))  # the password was right; no code asked
            raise
        self.throttle.succeeded(user_account(user.id))
