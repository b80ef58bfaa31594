"""The WebAuthn ceremonies as the use cases see them: options to hand the browser, and the
browser's answers checked. Who the relying party is (its ID, its name, its origin) is the
adapter's configuration, never something a request says."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

Credential = Mapping[str, Any]
"""What `navigator.credentials.create()` or `.get()` gave the page, as JSON
(`RegistrationResponseJSON`, `AuthenticationResponseJSON`)."""
Options = dict[str, Any]
"""Options for the browser, as JSON (`PublicKeyCredentialCreationOptionsJSON`,
`PublicKeyCredentialRequestOptionsJSON`)."""


class PasskeyRejected(Exception):
    """A credential that does not verify: malformed, for another challenge, origin or RP ID, a
    bad signature, no user verification where it is required. The reason is for logs only."""


@dataclass(frozen=True)
class CredentialClaims:
    """What a credential says about itself before it is verified: the challenge it answers,
    which credential it is, and (a sign-in's) the account handle the authenticator holds."""

    challenge: bytes
    credential_id: bytes
    user_handle: bytes | None = None


@dataclass(frozen=True)
class PasskeyOwner:
    """The account a new passkey is made for, as the authenticator will show it."""

    handle: bytes
    """WebAuthn's user.id: opaque, no personal data (the account's id), at most 64 bytes."""
    name: str
    display_name: str


@dataclass(frozen=True)
class KnownCredential:
    """A passkey already registered: to exclude at registration."""

    credential_id: bytes
    transports: Sequence[str] = ()


@dataclass(frozen=True)
class NewCredential:
    """A verified registration: what to store to check the passkey's later signatures."""

    credential_id: bytes
    public_key: bytes
    sign_count: int
    transports: tuple[str, ...] = field(default_factory=tuple)


class PasskeyCeremonies(Protocol):
    def registration_options(
        self, owner: PasskeyOwner, challenge: bytes, exclude: Sequence[KnownCredential]
    ) -> Options:
        """Options for `navigator.credentials.create()`: a discoverable credential with user
        verification, for this relying party, answering `challenge`."""
        ...

    def authentication_options(self, challenge: bytes) -> Options:
        """Options for `navigator.credentials.get()`: any discoverable credential of this
        relying party, with user verification, answering `challenge`. They name no credential,
        so they say nothing of any account."""
        ...

    def claims_of(self, credential: Credential) -> CredentialClaims:
        """Read a credential's claims (nothing verified yet); PasskeyRejected when malformed."""
        ...

    def verify_registration(self, credential: Credential, challenge: bytes) -> NewCredential:
        """Check a new credential answers `challenge` at this relying party's origin and RP ID,
        with the user verified; PasskeyRejected otherwise."""
        ...

    def verify_authentication(
        self,
        credential: Credential,
        challenge: bytes,
        *,
        public_key: bytes,
        sign_count: int,
        require_user_verification: bool,
    ) -> int:
        """Check an assertion answers `challenge` at this relying party's origin and RP ID and
        is signed by `public_key`, its counter past `sign_count`; return its counter.
        PasskeyRejected otherwise."""
        ...
