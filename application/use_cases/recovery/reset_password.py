from dataclasses import dataclass

from application.audit import AuditTrail
from application.emails import EmailTemplates
from application.errors import InvalidResetToken
from application.passwords import check_new_password
from application.ports.audit import AuditEventType
from application.ports.clock import Clock
from application.ports.password_hasher import PasswordHasher
from application.ports.password_policy import PasswordPolicy
from application.ports.unit_of_work import UnitOfWork
from application.secret_tokens import hash_secret_token
from application.services.throttling import Throttle, account_key
from domain.action_tokens import ActionPurpose
from domain.passwords import normalize_password


@dataclass(frozen=True)
class ResetPasswordCommand:
    token: str
    new_password: str


@dataclass(frozen=True, kw_only=True)
class ResetPassword:
    """Set a new password with a reset link's token.

    Rules: the token is single use, unexpired, a reset token (not a verification one) and sent to
    the user's current address (an email change, a password change or a reset voids it); the new
    password passes the policy, and a refused password leaves the token unspent; every earlier token
    and session of the user is revoked; nobody is logged in; the user gets a notice email. A
    throttled account may reset, and the reset lifts its lock.
    """

    uow: UnitOfWork
    hasher: PasswordHasher
    policy: PasswordPolicy
    clock: Clock
    throttle: Throttle
    templates: EmailTemplates
    audit: AuditTrail

    def execute(self, command: ResetPasswordCommand) -> None:
        token_hash = hash_secret_token(command.token)
        with self.uow.read_only() as uow:
            token = uow.action_tokens.find(token_hash, ActionPurpose.RESET_PASSWORD)
            user = uow.users.get(token.user_id) if token else None
        if token is None or user is None or not token.is_usable(self.clock.now()):
            raise InvalidResetToken()
        if token.email != user.email:
            raise InvalidResetToken()  # sent to an address the user has left since
        password = normalize_password(command.new_password)
        check_new_password(
            self.policy, password, username=user.username, email=user.email, field="new_password"
        )
        new_hash = self.hasher.hash(password)
        now = self.clock.now()
        with self.uow as uow:
            current = uow.users.get_for_update(user.id)
            if current is None or current.email != token.email:
                raise InvalidResetToken()  # the address changed meanwhile
            if not uow.action_tokens.use(token_hash, now):
                raise InvalidResetToken()  # used meanwhile by a concurrent request
            current.change_password_hash(new_hash, now)
            uow.users.update(current)
            uow.sessions.revoke_all_for_user(current.id, now)
            uow.action_tokens.void_for_user(current.id, ActionPurpose.RESET_PASSWORD, now)
            uow.emit(self.templates.password_changed(current.email, current.username))
            self.audit.record(uow, AuditEventType.PASSWORD_RESET, user_id=current.id)
            uow.commit()
        self.throttle.succeeded(account_key(current.id, current.username))
