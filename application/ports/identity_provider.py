"""External OpenID Connect providers as the use cases see them: where to send a browser, and the
verified claims of the person who came back. Discovery, PKCE, the token request and every check
of the ID token (its signature against the provider's keys, `iss`, `aud`, `exp`, `iat`, `nonce`)
are the adapter's."""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol


class ProviderStepFailed(Exception):
    """The provider step did not prove who came back: an error from the provider, a code it
    would not exchange, an ID token that does not verify. The reason is for logs only."""


@dataclass(frozen=True)
class VerifiedClaims:
    """What a verified ID token (and the userinfo endpoint) says of the person."""

    subject: str
    email: str | None = None
    email_verified: bool = False
    """As the provider asserts it; False when it does not say."""
    name: str | None = None
    preferred_username: str | None = None


class IdentityProvider(Protocol):
    @property
    def name(self) -> str:
        """The provider's name in URLs and settings (`google`, `corp`)."""
        ...

    @property
    def display_name(self) -> str: ...

    def authorization_url(self, *, state: str, nonce: str, code_verifier: str) -> str:
        """The provider's authorization endpoint for the code flow, with this `state` and
        `nonce` and the S256 challenge of `code_verifier`, back to this server's callback."""
        ...

    def verified_claims(self, *, code: str, code_verifier: str, nonce: str) -> VerifiedClaims:
        """Exchange `code` (with the PKCE verifier) and verify the ID token it comes with,
        its nonce included; ProviderStepFailed otherwise."""
        ...


class IdentityProviders(Protocol):
    """The configured providers, in their configured order."""

    def get(self, name: str) -> IdentityProvider | None: ...

    def all(self) -> Sequence[IdentityProvider]: ...
