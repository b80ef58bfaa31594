import hmac
import logging
import re
import secrets
import uuid
from dataclasses import dataclass

from application.audit import AuditTrail
from application.errors import InvalidOidcState, OidcError
from application.ports.audit import AuditEventType
from application.ports.clock import Clock
from application.ports.identity_provider import (
    IdentityProviders,
    ProviderStepFailed,
    VerifiedClaims,
)
from application.ports.unit_of_work import UnitOfWork
from application.secret_tokens import hash_secret_token, new_secret_token
from domain.errors import InvalidField, UsernameTaken
from domain.identities import Identity, LoginCode, LoginOutcome, OidcFlow
from domain.users import (
    USERNAME_MAX_LENGTH,
    USERNAME_MIN_LENGTH,
    User,
    normalize_email,
)

logger = logging.getLogger(__name__)

NO_PASSWORD = ""
"""The password hash of an account made through a provider: no password ever verifies against
it (the hasher refuses what is not an Argon2 hash); a password reset sets a real one."""
USERNAME_ATTEMPTS = 5
"""How many names a first sign-in tries when the one it found free is taken before its insert."""
_NOT_A_USERNAME_CHARACTER = re.compile(r"[^A-Za-z0-9_.\-]+")


@dataclass(frozen=True, kw_only=True)
class CompleteOidcSignInCommand:
    provider: str
    state: str | None
    code: str | None
    error: str | None
    """What the provider put in `error` when it did not authorize."""
    browser_binding: str | None
    """The state cookie this browser sent back."""


@dataclass(frozen=True)
class OidcCallbackResult:
    redirect_uri: str | None
    """The API client's redirect_uri; None: the web pages."""
    login_code: str | None = None
    error: str | None = None
    """For an API client whose provider step failed: the `error` to hand its redirect_uri."""
    linked: bool = False
    """The flow was started to link the identity to a signed-in account."""


@dataclass(frozen=True, kw_only=True)
class CompleteOidcSignIn:
    """The provider's callback: check the state, exchange the code, and decide who signs in.

    Rules: the state must be one this server issued for this provider, unspent, at most 10
    minutes old, and bound to this browser's state cookie; it is spent by this callback,
    right or wrong. Anything else is 400 `invalid_oidc_state`. The provider step (the code
    exchanged with the PKCE verifier, the ID token verified: signature, `iss`, `aud`, `exp`,
    `iat`, `nonce`) failing sends the client back with `?error=oidc_error` (audited as
    `oidc_failed`).

    Then, by the identity (provider, `sub`): a linked identity signs its account in; a new one
    creates an account (a unique username derived from the claims, the provider's email and
    its `email_verified`, no password), unless an account has that email: it is linked only when
    the provider asserts the email verified, the account's email is verified and the account has
    no second factor, else the outcome is `account_exists`. A deactivated account's outcome is
    `account_inactive`. With `link=true` the identity is linked to the caller (refused as
    `account_exists` when it belongs to another account). The outcome goes into a single-use
    login code (60 seconds, stored as a hash). Audited: `oidc_login`, `identity_linked`,
    `oidc_failed`.
    """

    uow: UnitOfWork
    providers: IdentityProviders
    clock: Clock
    audit: AuditTrail

    def execute(self, command: CompleteOidcSignInCommand) -> OidcCallbackResult:
        flow = self._take_flow(command)
        provider = self.providers.get(flow.provider)
        if provider is None:
            raise InvalidOidcState()
        if command.error is not None or not command.code:
            return self._failed(flow, "the provider did not authorize", "provider_error")
        try:
            claims = provider.verified_claims(
                code=command.code, code_verifier=flow.code_verifier, nonce=flow.nonce
            )
        except ProviderStepFailed as failure:
            return self._failed(flow, str(failure), "provider_step_failed")
        with self.uow as uow:
            decided = (
                self._sign_in(uow, flow, claims)
                if flow.link_user_id is None
                else self._link(uow, flow, flow.link_user_id, claims)
            )
            if decided is None:
                return self._failed(flow, "the provider gave no usable email", "no_email")
            outcome, user_id = decided
            code = new_secret_token()
            uow.login_codes.delete_expired(self.clock.now())
            uow.login_codes.add(
                LoginCode.issue(
                    code_hash=hash_secret_token(code),
                    outcome=outcome,
                    user_id=user_id,
                    now=self.clock.now(),
                )
            )
            uow.commit()
        return OidcCallbackResult(
            redirect_uri=flow.redirect_uri,
            login_code=code,
            linked=flow.link_user_id is not None,
        )

    def _take_flow(self, command: CompleteOidcSignInCommand) -> OidcFlow:
        if not command.state:
            raise InvalidOidcState()
        now = self.clock.now()
        with self.uow as uow:
            flow = uow.oidc_flows.find(hash_secret_token(command.state))
            if flow is None or flow.provider != command.provider or not flow.is_usable(now):
                raise InvalidOidcState()
            if not uow.oidc_flows.spend(flow.state_hash, now):
                raise InvalidOidcState()  # a concurrent callback spent it first
            uow.commit()
        binding = command.browser_binding or ""
        if not hmac.compare_digest(hash_secret_token(binding), flow.browser_hash):
            # A state from another browser: someone's attempt to sign this browser in (login CSRF).
            self.audit.record_alone(
                AuditEventType.OIDC_FAILED,
                user_id=flow.link_user_id,
                details={"provider": flow.provider, "reason": "foreign_state"},
            )
            raise InvalidOidcState()
        return flow

    def _failed(self, flow: OidcFlow, why: str, reason: str) -> OidcCallbackResult:
        logger.info("sign-in with %s failed: %s", flow.provider, why)
        self.audit.record_alone(
            AuditEventType.OIDC_FAILED,
            user_id=flow.link_user_id,
            details={"provider": flow.provider, "reason": reason},
        )
        if flow.redirect_uri is None:
            raise OidcError()
        return OidcCallbackResult(redirect_uri=flow.redirect_uri, error=OidcError.code)

    def _link(
        self, uow: UnitOfWork, flow: OidcFlow, user_id: uuid.UUID, claims: VerifiedClaims
    ) -> tuple[LoginOutcome, uuid.UUID | None]:
        user = uow.users.get_for_update(user_id)
        if user is None:
            return LoginOutcome.ACCOUNT_INACTIVE, None  # deleted meanwhile
        identity = uow.identities.find(flow.provider, claims.subject)
        if identity is not None and identity.user_id != user.id:
            self._refused(uow, flow, user.id, "identity_linked_elsewhere")
            return LoginOutcome.ACCOUNT_EXISTS, None
        if not user.is_active:
            self._refused(uow, flow, user.id, "account_inactive")
            return LoginOutcome.ACCOUNT_INACTIVE, user.id
        if identity is None:
            self._add_identity(uow, flow, user, claims)
        return LoginOutcome.SIGN_IN, user.id

    def _sign_in(
        self, uow: UnitOfWork, flow: OidcFlow, claims: VerifiedClaims
    ) -> tuple[LoginOutcome, uuid.UUID | None] | None:
        identity = uow.identities.find(flow.provider, claims.subject)
        if identity is not None:
            user = uow.users.get_for_update(identity.user_id)
            if user is None:
                return LoginOutcome.ACCOUNT_INACTIVE, None
            return self._signed_in(uow, flow, user)
        email = _email_of(claims)
        if email is None:
            return None
        found = uow.users.get_by_email(email)
        owner = None if found is None else uow.users.get_for_update(found.id)
        if owner is None:
            user = self._new_account(uow, claims, email)
            self._add_identity(uow, flow, user, claims)
            return self._signed_in(uow, flow, user)
        # No silent takeover: the address must be proven on both sides, and a second factor
        # must not be bypassed by whoever controls the provider account.
        if not (claims.email_verified and owner.email_verified and not owner.mfa_enabled):
            self._refused(uow, flow, owner.id, "account_exists")
            return LoginOutcome.ACCOUNT_EXISTS, None
        if not owner.is_active:
            self._refused(uow, flow, owner.id, "account_inactive")
            return LoginOutcome.ACCOUNT_INACTIVE, owner.id
        self._add_identity(uow, flow, owner, claims)
        return self._signed_in(uow, flow, owner)

    def _signed_in(
        self, uow: UnitOfWork, flow: OidcFlow, user: User
    ) -> tuple[LoginOutcome, uuid.UUID | None]:
        if not user.is_active:
            self._refused(uow, flow, user.id, "account_inactive")
            return LoginOutcome.ACCOUNT_INACTIVE, user.id
        self.audit.record(
            uow, AuditEventType.OIDC_LOGIN, user_id=user.id, details={"provider": flow.provider}
        )
        return LoginOutcome.SIGN_IN, user.id

    def _refused(self, uow: UnitOfWork, flow: OidcFlow, user_id: uuid.UUID, reason: str) -> None:
        self.audit.record(
            uow,
            AuditEventType.OIDC_FAILED,
            user_id=user_id,
            details={"provider": flow.provider, "reason": reason},
        )

    def _add_identity(
        self, uow: UnitOfWork, flow: OidcFlow, user: User, claims: VerifiedClaims
    ) -> None:
        identity = Identity.link(
            user_id=user.id,
            provider=flow.provider,
            subject=claims.subject,
            email=_email_of(claims),
            now=self.clock.now(),
        )
        uow.identities.add(identity)
        self.audit.record(
            uow,
            AuditEventType.IDENTITY_LINKED,
            user_id=user.id,
            details={"provider": flow.provider, "identity_id": str(identity.id)},
        )

    def _new_account(self, uow: UnitOfWork, claims: VerifiedClaims, email: str) -> User:
        username = _free_username(uow, claims, email)
        for attempt in range(USERNAME_ATTEMPTS):
            user = User.register(
                username=username,
                email=email,
                password_hash=NO_PASSWORD,
                full_name=(claims.name or None) and claims.name[:100],
                now=self.clock.now(),
                email_verified=claims.email_verified,
            )
            user.has_password = False
            try:
                uow.users.add(user)
                break
            except UsernameTaken:
                # Taken since it was found free: another first sign-in with the same name
                # committed in between. The refused insert left the transaction usable.
                if attempt == USERNAME_ATTEMPTS - 1:
                    raise
                username = _suffixed(username_base(claims, email))
        self.audit.record(
            uow,
            AuditEventType.USER_REGISTERED,
            user_id=user.id,
            details={"method": "oidc"},
        )
        return user


def _email_of(claims: VerifiedClaims) -> str | None:
    if not claims.email:
        return None
    try:
        return normalize_email(claims.email)
    except InvalidField:
        return None


def username_base(claims: VerifiedClaims, email: str) -> str:
    """A username from the claims: the preferred username, else the email's local part, made
    of the allowed characters only, and long enough."""
    for source in (claims.preferred_username, email.split("@", 1)[0], claims.name):
        if source:
            base = _NOT_A_USERNAME_CHARACTER.sub("", source.replace(" ", "."))
            if base:
                break
    else:
        base = "user"
    base = base[: USERNAME_MAX_LENGTH - 5]  # room for a suffix
    return base if len(base) >= USERNAME_MIN_LENGTH else f"{base}user"[:USERNAME_MAX_LENGTH]


def _free_username(uow: UnitOfWork, claims: VerifiedClaims, email: str) -> str:
    base = username_base(claims, email)
    candidate = base
    while uow.users.get_by_username(candidate) is not None:
        candidate = _suffixed(base)
    return candidate


def _suffixed(base: str) -> str:
    return f"{base}-{secrets.randbelow(10_000):04d}"
