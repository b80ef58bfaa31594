from datetime import datetime
from typing import Protocol


class Totp(Protocol):
    """Time-based one-time passwords (RFC 6238: SHA-1, 6 digits, 30-second steps)."""

    def new_secret(self) -> str:
        """A fresh random secret (base32, at least 160 bits), as authenticator apps take it."""
        ...

    def provisioning_uri(self, secret: str, *, account: str, issuer: str) -> str:
        """The `otpauth://totp/…` URI an authenticator app reads (from a QR code or a link)."""
        ...

    def matching_step(self, secret: str, code: str, at: datetime) -> int | None:
        """The time step whose code `code` is, within one step either side of `at`'s (drift);
        None when it is none of them (or is no code at all). Compared in constant time.

        The step lets the caller refuse a code whose step was already used: a replay.
        """
        ...
