"""Passkeys (WebAuthn credentials): a sign-in of their own, and a second factor after a password.

The domain keeps what a passkey is (its public key, its signature counter, the name its owner
gave it), the rule of the counter, and the challenges a ceremony answers. The cryptography is an adapter's (application.ports.passkeys).
"""

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from domain.errors import InvalidField

CHALLENGE_LIFETIME = timedelta(minutes=5)
"""How long a registration or sign-in ceremony may take, from its options to its answer."""
PASSKEY_NAME_MAX_LENGTH = 64


def validate_passkey_name(value: str) -> str:
    """1-64 characters once trimmed, no control characters; stored trimmed."""
    name = value.strip()
    if not 1 <= len(name) <= PASSKEY_NAME_MAX_LENGTH:
        raise InvalidField(
            "name", f"A passkey's name must be 1 to {PASSKEY_NAME_MAX_LENGTH} characters long."
        )
    if any(ord(character) < 32 or ord(character) == 127 for character in name):
        raise InvalidField("name", "A passkey's name must not contain control characters.")
    return name


@dataclass
class Passkey:
    """One WebAuthn credential of a user: what verifies its signatures, and how it was used."""

    id: uuid.UUID
    user_id: uuid.UUID
    credential_id: bytes
    """The authenticator's id for the credential (globally unique, at most 1023 bytes)."""
    public_key: bytes
    """The credential's public key, COSE-encoded, as the authenticator gave it at registration."""
    sign_count: int
    """The authenticator's signature counter at the latest accepted use (0: it keeps none)."""
    name: str
    created_at: datetime
    transports: tuple[str, ...] = field(default_factory=tuple)
    """How the browser reached the authenticator ("internal", "usb", "hybrid", …), as reported."""
    last_used_at: datetime | None = None

    @classmethod
    def register(
        cls,
        *,
        user_id: uuid.UUID,
        credential_id: bytes,
        public_key: bytes,
        sign_count: int,
        transports: tuple[str, ...],
        name: str,
        now: datetime,
    ) -> "Passkey":
        return cls(
            id=uuid.uuid4(),
            user_id=user_id,
            credential_id=credential_id,
            public_key=public_key,
            sign_count=sign_count,
            transports=transports,
            name=validate_passkey_name(name),
            created_at=now,
        )

    def accepts_sign_count(self, sign_count: int) -> bool:
        """False for a counter that did not move forward: the signature may come from a copy of
        the authenticator (W3C WebAuthn, 6.1.1). Authenticators that keep no counter say 0, and
        0 after 0 is accepted."""
        if sign_count == 0 and self.sign_count == 0:
            return True
        return sign_count > self.sign_count

    def use(self, sign_count: int, now: datetime) -> None:
        if not self.accepts_sign_count(sign_count):
            raise ValueError("a passkey's signature counter never moves back")
        self.sign_count = sign_count
        self.last_used_at = now


class ChallengePurpose(StrEnum):
    REGISTRATION = "registration"
    """Adding a passkey to a signed-in account: bound to that account."""
    AUTHENTICATION = "authentication"
    """Signing in (without a password, or as the second factor): bound to the account named in
    the options when there is one."""


@dataclass
class WebAuthnChallenge:
    """The random challenge of one ceremony: single use, short-lived, kept only as a hash."""

    challenge_hash: str
    """SHA-256 of the challenge; the challenge itself travels in the options and comes back in
    the authenticator's signed client data."""
    purpose: ChallengePurpose
    user_id: uuid.UUID | None
    """The account the ceremony is for, when known; None: any account (a discoverable sign-in)."""
    created_at: datetime
    expires_at: datetime
    spent_at: datetime | None = None

    @classmethod
    def issue(
        cls,
        *,
        challenge_hash: str,
        purpose: ChallengePurpose,
        user_id: uuid.UUID | None,
        now: datetime,
    ) -> "WebAuthnChallenge":
        return cls(
            challenge_hash=challenge_hash,
            purpose=purpose,
            user_id=user_id,
            created_at=now,
            expires_at=now + CHALLENGE_LIFETIME,
        )

    def is_usable(self, now: datetime) -> bool:
        return self.spent_at is None and now < self.expires_at

    def allows(self, purpose: ChallengePurpose, user_id: uuid.UUID) -> bool:
        """Whether this challenge may serve `purpose` for this account: a registration's only
        for the account that asked for it, a sign-in's for that account or, unbound, for any."""
        if self.purpose is not purpose:
            return False
        if purpose is ChallengePurpose.REGISTRATION:
            return self.user_id == user_id
        return self.user_id in (None, user_id)
