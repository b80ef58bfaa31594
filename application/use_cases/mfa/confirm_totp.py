import uuid
from dataclasses import dataclass

from application.audit import AuditTrail
from application.emails import EmailTemplates
from application.errors import InvalidMfaCode, NoPendingSetup
from application.ports.audit import AuditEventType
from application.ports.clock import Clock
from application.ports.unit_of_work import UnitOfWork
from application.services.second_factor import SecondFactors
from domain.errors import UserNotFound
from domain.mfa import SecondFactorMethod


@dataclass(frozen=True, kw_only=True)
class ConfirmTotpCommand:
    user_id: uuid.UUID
    code: str
    keep_session: uuid.UUID | None
    """The caller's own session, which stays signed in; every other one is revoked."""


@dataclass(frozen=True, kw_only=True)
class ConfirmTotp:
    """Turn the authenticator app on with a first code from it; get ten recovery codes.

    Rules: the code must be the pending setup's (409 `no_pending_setup` without one, 400
    `invalid_mfa_code` for a wrong one) and is spent: it is refused if sent again, at login too.
    From now on a correct password alone starts no session. Every other session of the user is
    revoked (this one stays). The recovery codes are shown only here (each works once; they are
    stored as hashes). Audited as `mfa_enabled`, and the user gets a notice email.
    """

    uow: UnitOfWork
    factors: SecondFactors
    clock: Clock
    templates: EmailTemplates
    audit: AuditTrail

    def execute(self, command: ConfirmTotpCommand) -> list[str]:
        now = self.clock.now()
        with self.uow as uow:
            user = uow.users.get_for_update(command.user_id)
            if user is None:
                raise UserNotFound()
            factor = uow.totp_factors.get_for_update(user.id)
            if factor is None or factor.is_confirmed:
                raise NoPendingSetup()
            step = self.factors.totp_step(user, factor, command.code, now)
            if step is None:
                raise InvalidMfaCode()
            factor.confirm(step, now)
            uow.totp_factors.update(factor)
            user.enable_mfa(now)
            uow.users.update(user)
            codes = self.factors.new_recovery_codes(uow, user)
            uow.sessions.revoke_all_for_user(user.id, now, except_session=command.keep_session)
            self.audit.record(
                uow,
                AuditEventType.MFA_ENABLED,
                user_id=user.id,
                details={"method": SecondFactorMethod.TOTP.value},
            )
            uow.emit(self.templates.mfa_enabled(user.email, user.username))
            uow.commit()
        return codes
