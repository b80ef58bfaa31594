from dataclasses import dataclass

from application.audit import AuditTrail
from application.errors import InvalidVerifyToken
from application.ports.audit import AuditEventType
from application.ports.clock import Clock
from application.ports.unit_of_work import UnitOfWork
from application.secret_tokens import hash_secret_token
from application.services.email_verification import VerificationMailer
from application.services.throttling import Throttle
from domain.action_tokens import ActionPurpose
from domain.users import User


@dataclass(frozen=True)
class VerifyEmailCommand:
    token: str


@dataclass(frozen=True, kw_only=True)
class VerifyEmail:
    """Mark the address verified with a verification link's token.

    Rules: single use, unexpired, a verification token (not a reset one), and bound to the address
    it was sent to: changing the email voids it.
    """

    uow: UnitOfWork
    clock: Clock
    audit: AuditTrail

    def execute(self, command: VerifyEmailCommand) -> User:
        token_hash = hash_secret_token(command.token)
        now = self.clock.now()
        with self.uow as uow:
            token = uow.action_tokens.find(token_hash, ActionPurpose.VERIFY_EMAIL)
            user = uow.users.get_for_update(token.user_id) if token else None
            if token is None or user is None or not token.is_usable(now):
                raise InvalidVerifyToken()
            if not user.verify_email(token.email, now) or not uow.action_tokens.use(
                token_hash, now
            ):
                raise InvalidVerifyToken()
            uow.users.update(user)
            self.audit.record(uow, AuditEventType.EMAIL_VERIFIED, user_id=user.id)
            uow.commit()
        return user


@dataclass(frozen=True, kw_only=True)
class RequestEmailVerification:
    """Send the caller a new verification link; nothing to do when already verified."""

    uow: UnitOfWork
    throttle: Throttle
    mailer: VerificationMailer

    def execute(self, actor: User) -> None:
        if actor.email_verified:
            return
        self.throttle.verification_email(actor.id)
        with self.uow as uow:
            user = uow.users.get(actor.id)
            if user is None or user.email_verified:
                return
            self.mailer.send_link(uow, user)
            uow.commit()
