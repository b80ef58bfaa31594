from dataclasses import dataclass

from application.audit import AuditTrail
from application.emails import EmailTemplates
from application.errors import InvalidMfaToken, RefusedMfaCode
from application.ports.audit import AuditEventType
from application.ports.clock import Clock
from application.ports.unit_of_work import UnitOfWork
from application.request_context import current_request
from application.secret_tokens import hash_secret_token
from application.services.second_factor import SecondFactors
from application.services.session_tokens import (
    BrowserSignIn,
    IssuedTokens,
    SessionStart,
    SessionStarter,
    Started,
)
from application.services.throttling import Throttle, user_account
from domain.mfa import MfaToken, SecondFactorMethod
from domain.users import User


@dataclass(frozen=True)
class VerifyMfaCommand:
    mfa_token: str
    """From the 401 `mfa_required` answer to a correct password."""
    code: str
    """A code from the authenticator app, or a recovery code."""


@dataclass(frozen=True, kw_only=True)
class _SecondFactorLogin:
    """Complete a login with its second factor: the `mfa_token` and a code give the session.

    Rules: the `mfa_token` works once and for 5 minutes, for the login that got it, and no longer
    once the user's password, activity or sessions changed meanwhile (401 `invalid_mfa_token`).
    The code is one from the authenticator app, never accepted twice (nor the one that confirmed
    the setup), or an unused recovery code, which is then spent; any other is 401
    `invalid_mfa_code`, audited as `mfa_failed`. A wrong code does not spend the `mfa_token`, but
    counts toward the account's login throttle like a wrong password: after too many, 429 until
    the window passes. A success spends the token and clears the account's count. Using a
    recovery code is audited (`recovery_code_used`) and the user gets a notice email.
    """

    uow: UnitOfWork
    factors: SecondFactors
    sessions: SessionStarter
    throttle: Throttle
    clock: Clock
    templates: EmailTemplates
    audit: AuditTrail

    def _verify(self, command: VerifyMfaCommand, start: SessionStart[Started]) -> Started:
        token_hash = hash_secret_token(command.mfa_token)
        with self.uow.read_only() as uow:
            token = uow.mfa_tokens.find(token_hash)
            user = uow.users.get(token.user_id) if token is not None else None
        if token is None or user is None or not _pending(token, user, self.clock):
            raise InvalidMfaToken()
        account = user_account(user.id)
        self.throttle.before_sign_in_attempt(
            account, current_request().ip, audit=self.audit, user_id=user.id
        )
        try:
            issued = self._complete(token, command.code, start)
        except RefusedMfaCode:
            self.audit.record_alone(
                AuditEventType.MFA_FAILED, user_id=user.id, details={"while": "login"}
            )
            raise
        self.throttle.succeeded(account)
        return issued

    def _complete(self, token: MfaToken, code: str, start: SessionStart[Started]) -> Started:
        with self.uow as uow:
            user = uow.users.get_for_update(token.user_id)
            if user is None or not _pending(token, user, self.clock):
                raise InvalidMfaToken()
            method = self.factors.check_code(uow, user, code)
            if method is None:
                raise RefusedMfaCode()
            if not uow.mfa_tokens.spend(token.token_hash, self.clock.now()):
                raise InvalidMfaToken()  # a concurrent request with the same token got there first
            issued = start(uow, user)
            self.audit.record(
                uow,
                AuditEventType.LOGIN_SUCCEEDED,
                user_id=user.id,
                details={"session_id": str(issued.session.id), "second_factor": method.value},
            )
            if method is SecondFactorMethod.RECOVERY_CODE:
                remaining = uow.recovery_codes.count_unused(user.id)
                self.audit.record(
                    uow,
                    AuditEventType.RECOVERY_CODE_USED,
                    user_id=user.id,
                    details={"remaining": remaining},
                )
                uow.emit(self.templates.recovery_code_used(user.email, user.username, remaining))
            uow.commit()
        return issued


def _pending(token: MfaToken, user: User, clock: Clock) -> bool:
    """Still the login that got the token: unspent, unexpired, and nothing revoked since."""
    return (
        token.is_usable(clock.now())
        and user.id == token.user_id
        and user.token_version == token.token_version
        and user.is_active
    )


@dataclass(frozen=True, kw_only=True)
class VerifyMfa(_SecondFactorLogin):
    """An API client's second step: the new session's token pair."""

    def execute(self, command: VerifyMfaCommand) -> IssuedTokens:
        return self._verify(command, self.sessions.start)


@dataclass(frozen=True, kw_only=True)
class VerifyMfaInBrowser(_SecondFactorLogin):
    """A browser's second step: the new session's cookie key."""

    def execute(self, command: VerifyMfaCommand) -> BrowserSignIn:
        return self._verify(command, self.sessions.start_browser)
