import logging
from dataclasses import dataclass, field

from application.audit import AuditTrail
from application.emails import EmailTemplates
from application.errors import InvalidMfaToken, RefusedMfaCode
from application.ports.audit import AuditEventType
from application.ports.clock import Clock
from application.ports.passkeys import Credential, CredentialClaims, PasskeyRejected
from application.ports.unit_of_work import UnitOfWork
from application.request_context import current_request
from application.secret_tokens import hash_secret_token
from application.services.passkeys import PasskeyAssertions
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
from domain.passkeys import ChallengePurpose, WebAuthnChallenge
from domain.users import User

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class VerifyMfaCommand:
    mfa_token: str
    """From the 401 `mfa_required` answer to a correct password."""
    code: str | None = None
    """A code from the authenticator app, or a recovery code."""
    passkey: Credential | None = field(default=None, kw_only=True)
    """Or what `navigator.credentials.get()` gave the page for the sign-in options asked with
    the account's username, as JSON."""


@dataclass(frozen=True)
class _PasskeyAnswer:
    credential: Credential
    claims: CredentialClaims
    challenge: WebAuthnChallenge


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

    Instead of a code, one of the user's passkeys may answer (`passkey`): an assertion for a
    challenge of `POST /auth/passkeys/login/options` (asked with the username, or with none),
    unspent and at most 5 minutes old, made at this server's origin for its RP ID, its counter
    past the last one seen. A refused one is 401 `invalid_mfa_code` like a wrong code, and
    spends its challenge.
    """

    uow: UnitOfWork
    factors: SecondFactors
    passkeys: PasskeyAssertions
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
            answer = self._passkey_answer(command, user)
            issued = self._complete(token, command.code, answer, start)
        except RefusedMfaCode:
            self.audit.record_alone(
                AuditEventType.MFA_FAILED, user_id=user.id, details={"while": "login"}
            )
            raise
        self.throttle.succeeded(account)
        return issued

    def _passkey_answer(self, command: VerifyMfaCommand, user: User) -> _PasskeyAnswer | None:
        """Spend the challenge a passkey's assertion answers, before the assertion is checked:
        right or wrong, an answer spends it."""
        if command.passkey is None:
            return None
        try:
            claims = self.passkeys.claims_of(command.passkey)
            with self.uow as uow:
                challenge = self.passkeys.take_challenge(
                    uow, claims, ChallengePurpose.AUTHENTICATION, user.id
                )
                uow.commit()
        except PasskeyRejected as rejected:
            logger.info("passkey second factor refused for user %s: %s", user.id, rejected)
            raise RefusedMfaCode() from None
        return _PasskeyAnswer(credential=command.passkey, claims=claims, challenge=challenge)

    def _complete(
        self,
        token: MfaToken,
        code: str | None,
        answer: _PasskeyAnswer | None,
        start: SessionStart[Started],
    ) -> Started:
        with self.uow as uow:
            user = uow.users.get_for_update(token.user_id)
            if user is None or not _pending(token, user, self.clock):
                raise InvalidMfaToken()
            method = self._check(uow, user, code, answer)
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

    def _check(
        self, uow: UnitOfWork, user: User, code: str | None, answer: _PasskeyAnswer | None
    ) -> SecondFactorMethod | None:
        """The method that completes the login, or None for a refused code or passkey."""
        if answer is None:
            return None if code is None else self.factors.check_code(uow, user, code)
        if not user.mfa_enabled:
            return None
        try:
            self.passkeys.check_assertion(
                uow,
                answer.credential,
                answer.claims,
                answer.challenge,
                user=user,
                # The password was the first factor: the passkey is the thing the user has.
                require_user_verification=False,
            )
        except PasskeyRejected as rejected:
            logger.info("passkey second factor refused for user %s: %s", user.id, rejected)
            return None
        return SecondFactorMethod.PASSKEY


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
