import logging
from dataclasses import dataclass

from application.audit import AuditTrail
from application.emails import EmailTemplates
from application.errors import AccountInactive, EmailNotVerified, RefusedPasskey
from application.ports.audit import AuditEventType
from application.ports.passkeys import Credential, PasskeyRejected
from application.ports.unit_of_work import UnitOfWork
from application.services.passkeys import PasskeyAssertions
from application.services.session_tokens import (
    BrowserSignIn,
    IssuedTokens,
    SessionStart,
    SessionStarter,
    Started,
)
from domain.errors import DomainError
from domain.passkeys import ChallengePurpose
from domain.users import User

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class PasskeyLoginCommand:
    credential: Credential
    """What `navigator.credentials.get()` gave the page for the sign-in options, as JSON."""


@dataclass(frozen=True, kw_only=True)
class _PasskeyLogin:
    """Sign in with a passkey, without a password: a new session.

    Rules: the credential must answer a sign-in challenge (from `POST /auth/passkeys/login/options`)
    that is unspent and at most 5 minutes old (it is spent by this answer, right or wrong), be a
    registered passkey of the account the challenge was for (any account, when it named none),
    be made at this server's origin for its RP ID, with the user verified (a PIN or biometric on
    the authenticator), and carry a signature counter past the last one seen (a counter that
    moves back may be a cloned authenticator). Anything else is 401 `invalid_passkey`, audited
    as `login_failed` when it names a passkey. A passkey is a sign-in of its own: no second
    factor is asked after it. Inactive and unverified accounts are told so (403), as after a
    correct password. Audited as `passkey_login`, and the user gets a notice email.
    """

    uow: UnitOfWork
    passkeys: PasskeyAssertions
    sessions: SessionStarter
    templates: EmailTemplates
    audit: AuditTrail
    require_email_verification: bool

    def _login(self, command: PasskeyLoginCommand, start: SessionStart[Started]) -> Started:
        owner_id = None
        try:
            claims = self.passkeys.claims_of(command.credential)
            with self.uow as uow:
                challenge = self.passkeys.take_challenge(
                    uow, claims, ChallengePurpose.AUTHENTICATION
                )
                uow.commit()
            with self.uow.read_only() as uow:
                named = uow.passkeys.find_by_credential_id(claims.credential_id)
            if named is None:
                raise PasskeyRejected("no passkey has this credential id")
            owner_id = named.user_id
            with self.uow as uow:
                # The user first, then the passkey: the order every use case locks them in.
                user = uow.users.get_for_update(owner_id)
                if user is None:
                    raise PasskeyRejected("the passkey's account is gone")
                passkey = self.passkeys.check_assertion(
                    uow,
                    command.credential,
                    claims,
                    challenge,
                    user=user,
                    require_user_verification=True,
                )
                if claims.user_handle is None:
                    raise PasskeyRejected("a passwordless sign-in names its account")
                refusal = self._refusal(user)
                if refusal is None:
                    issued = start(uow, user)
                    self.audit.record(
                        uow,
                        AuditEventType.PASSKEY_LOGIN,
                        user_id=user.id,
                        details={
                            "session_id": str(issued.session.id),
                            "passkey_id": str(passkey.id),
                        },
                    )
                    uow.emit(self.templates.passkey_login(user.email, user.username, passkey.name))
                uow.commit()  # a refused account's passkey was still used: its counter moved
        except PasskeyRejected as rejected:
            logger.info("passkey sign-in refused: %s", rejected)
            if owner_id is not None:
                self.audit.record_alone(
                    AuditEventType.LOGIN_FAILED, user_id=owner_id, details={"method": "passkey"}
                )
            raise RefusedPasskey() from None
        if refusal is not None:
            with self.audit.refusals(user.id):
                raise refusal
        return issued

    def _refusal(self, user: User) -> DomainError | None:
        """Told only once the passkey proved who is signing in, as after a correct password."""
        if not user.is_active:
            return AccountInactive()
        if self.require_email_verification and not user.email_verified:
            return EmailNotVerified()
        return None


@dataclass(frozen=True, kw_only=True)
class PasskeyLogin(_PasskeyLogin):
    """An API client's passkey sign-in: the new session's token pair."""

    def execute(self, command: PasskeyLoginCommand) -> IssuedTokens:
        return self._login(command, self.sessions.start)


@dataclass(frozen=True, kw_only=True)
class PasskeyLoginInBrowser(_PasskeyLogin):
    """A browser's passkey sign-in: the new session's cookie key."""

    def execute(self, command: PasskeyLoginCommand) -> BrowserSignIn:
        return self._login(command, self.sessions.start_browser)
