from dataclasses import dataclass

from application.audit import AuditTrail
from application.errors import AccountInactive, EmailNotVerified, InvalidLoginCode
from application.ports.audit import AuditEventType
from application.ports.clock import Clock
from application.ports.unit_of_work import UnitOfWork
from application.secret_tokens import hash_secret_token
from application.services.second_factor import SecondFactors
from application.services.session_tokens import (
    BrowserSignIn,
    IssuedTokens,
    SessionStart,
    SessionStarter,
    Started,
)
from domain.errors import AccountExists, DomainError
from domain.identities import LoginOutcome


@dataclass(frozen=True)
class ExchangeLoginCodeCommand:
    login_code: str


@dataclass(frozen=True, kw_only=True)
class _ExchangeLoginCode:
    """Exchange the single-use `login_code` of a provider sign-in for its outcome.

    Rules: the code is single use and valid 60 seconds (400 `invalid_login_code` otherwise; it
    is spent by this exchange, whatever the outcome). Outcomes: a new session (200, audited as
    `login_succeeded` with the method `oidc`); with a second factor on, 401 `mfa_required`
    exactly as after a correct password (the second step at `POST /auth/mfa/verify`); 403
    `account_inactive`; 409 `account_exists` (log in to that account and link the provider from
    the account page).
    """

    uow: UnitOfWork
    sessions: SessionStarter
    factors: SecondFactors
    clock: Clock
    audit: AuditTrail
    require_email_verification: bool

    def _exchange(self, command: ExchangeLoginCodeCommand, start: SessionStart[Started]) -> Started:
        now = self.clock.now()
        refusal: DomainError | None = None
        with self.uow as uow:
            code = uow.login_codes.find(hash_secret_token(command.login_code))
            if code is None or not code.is_usable(now):
                raise InvalidLoginCode()
            if not uow.login_codes.spend(code.code_hash, now):
                raise InvalidLoginCode()  # a concurrent exchange spent it first
            user = None if code.user_id is None else uow.users.get_for_update(code.user_id)
            if user is None or code.outcome is not LoginOutcome.SIGN_IN:
                refusal = (
                    AccountExists()
                    if code.outcome is LoginOutcome.ACCOUNT_EXISTS
                    else AccountInactive()
                )
            elif not user.is_active:  # deactivated since the provider step
                refusal = AccountInactive()
            elif self.require_email_verification and not user.email_verified:
                refusal = EmailNotVerified()
            if refusal is not None or user is None:
                uow.commit()  # the code stays spent
                raise refusal or AccountInactive()
            if user.mfa_enabled:
                # The same second step as after a correct password.
                second_step = self.factors.second_step(uow, user)
                uow.commit()
                raise second_step
            issued = start(uow, user)
            self.audit.record(
                uow,
                AuditEventType.LOGIN_SUCCEEDED,
                user_id=user.id,
                details={"session_id": str(issued.session.id), "method": "oidc"},
            )
            uow.commit()
        return issued


@dataclass(frozen=True, kw_only=True)
class ExchangeLoginCode(_ExchangeLoginCode):
    """An API client's exchange: the new session's token pair."""

    def execute(self, command: ExchangeLoginCodeCommand) -> IssuedTokens:
        return self._exchange(command, self.sessions.start)


@dataclass(frozen=True, kw_only=True)
class ExchangeLoginCodeInBrowser(_ExchangeLoginCode):
    """The web pages' end of a provider sign-in: the new session's cookie key."""

    def execute(self, command: ExchangeLoginCodeCommand) -> BrowserSignIn:
        return self._exchange(command, self.sessions.start_browser)
