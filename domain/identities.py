"""Identities at external OpenID Connect providers, and the short-lived records of a sign-in
through one: the flow a browser started (its state) and the single-use login code it ends with.

The protocol itself (discovery, the ID token's signature and claims) is an adapter's
(application.ports.identity_provider).
"""

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

FLOW_LIFETIME = timedelta(minutes=10)
"""How long a browser may take at the provider, from the authorize redirect to the callback."""
LOGIN_CODE_LIFETIME = timedelta(seconds=60)
"""How long an API client has to exchange the login code it received at its redirect_uri."""
PROVIDER_NAME_MAX_LENGTH = 32
SUBJECT_MAX_LENGTH = 255
"""OpenID Connect Core 1.0, 2: `sub` is at most 255 ASCII characters."""


@dataclass
class Identity:
    """An account's identity at a provider: the pair (provider, subject) is unique."""

    id: uuid.UUID
    user_id: uuid.UUID
    provider: str
    subject: str
    email: str | None
    """The email the provider gave when the identity was linked (for the owner to recognise)."""
    linked_at: datetime

    @classmethod
    def link(
        cls, *, user_id: uuid.UUID, provider: str, subject: str, email: str | None, now: datetime
    ) -> "Identity":
        return cls(
            id=uuid.uuid4(),
            user_id=user_id,
            provider=provider,
            subject=subject,
            email=email,
            linked_at=now,
        )


@dataclass
class OidcFlow:
    """One authorization request in progress: found again by the hash of its `state`, single
    use, bound to the browser that started it (the hash of its state cookie)."""

    state_hash: str
    provider: str
    nonce: str
    code_verifier: str
    """PKCE's verifier (RFC 7636): only its S256 challenge went to the browser."""
    browser_hash: str
    """SHA-256 of the state cookie set on the browser that started the flow."""
    redirect_uri: str | None
    """Where an API client wants its login code; None: the web pages."""
    link_user_id: uuid.UUID | None
    """The signed-in account the identity is to be linked to; None: a sign-in."""
    created_at: datetime
    expires_at: datetime
    spent_at: datetime | None = None

    @classmethod
    def start(
        cls,
        *,
        state_hash: str,
        provider: str,
        nonce: str,
        code_verifier: str,
        browser_hash: str,
        redirect_uri: str | None,
        link_user_id: uuid.UUID | None,
        now: datetime,
    ) -> "OidcFlow":
        return cls(
            state_hash=state_hash,
            provider=provider,
            nonce=nonce,
            code_verifier=code_verifier,
            browser_hash=browser_hash,
            redirect_uri=redirect_uri,
            link_user_id=link_user_id,
            created_at=now,
            expires_at=now + FLOW_LIFETIME,
        )

    def is_usable(self, now: datetime) -> bool:
        return self.spent_at is None and now < self.expires_at


class LoginOutcome(StrEnum):
    """What the exchange of a login code answers."""

    SIGN_IN = "sign_in"
    """The provider identified an account that may sign in (its second factor still applies)."""
    ACCOUNT_EXISTS = "account_exists"
    """The email belongs to an account the identity may not be linked to silently."""
    ACCOUNT_INACTIVE = "account_inactive"


@dataclass
class LoginCode:
    """The outcome of a provider step, handed to the client as a single-use code, kept as a hash."""

    code_hash: str
    outcome: LoginOutcome
    user_id: uuid.UUID | None
    created_at: datetime
    expires_at: datetime
    spent_at: datetime | None = None

    @classmethod
    def issue(
        cls, *, code_hash: str, outcome: LoginOutcome, user_id: uuid.UUID | None, now: datetime
    ) -> "LoginCode":
        return cls(
            code_hash=code_hash,
            outcome=outcome,
            user_id=user_id,
            created_at=now,
            expires_at=now + LOGIN_CODE_LIFETIME,
        )

    def is_usable(self, now: datetime) -> bool:
        return self.spent_at is None and now < self.expires_at
