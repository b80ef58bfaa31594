"""A second factor: a TOTP authenticator with its recovery codes, and the login step that asks for it.

A passkey (domain.passkeys) is another method; `User.mfa_enabled` stays "TOTP is on".
"""

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

MFA_TOKEN_LIFETIME = timedelta(minutes=5)
"""How long the second step of a login may wait for its code."""
RECOVERY_CODE_COUNT = 10


class SecondFactorMethod(StrEnum):
    """What may complete a login, as `methods` of the 401 `mfa_required` names them."""

    TOTP = "totp"
    RECOVERY_CODE = "recovery_code"
    PASSKEY = "passkey"


@dataclass
class TotpFactor:
    """A user's authenticator: pending from setup until a first code confirms it.

    The secret is kept only sealed (encrypted by the application's secret box): the domain never
    sees it in clear. `last_used_step` is the newest time step a code was accepted for: a code of
    that step or an older one is never accepted again, so a code works once (RFC 6238, 5.2).
    """

    user_id: uuid.UUID
    sealed_secret: str
    created_at: datetime
    confirmed_at: datetime | None = None
    last_used_step: int | None = None

    @classmethod
    def pending(cls, *, user_id: uuid.UUID, sealed_secret: str, now: datetime) -> "TotpFactor":
        return cls(user_id=user_id, sealed_secret=sealed_secret, created_at=now)

    @property
    def is_confirmed(self) -> bool:
        return self.confirmed_at is not None

    def accepts_step(self, step: int) -> bool:
        """False for a step whose code (or a later step's) was already accepted: a replay."""
        return self.last_used_step is None or step > self.last_used_step

    def use_step(self, step: int) -> None:
        if not self.accepts_step(step):
            raise ValueError("a TOTP step is used once")
        self.last_used_step = step

    def confirm(self, step: int, now: datetime) -> None:
        """The first code proves the authenticator holds the secret; that code is spent too."""
        self.use_step(step)
        self.confirmed_at = now


@dataclass
class RecoveryCode:
    """One single-use recovery code, kept as the SHA-256 of its normalised form."""

    user_id: uuid.UUID
    code_hash: str
    created_at: datetime
    used_at: datetime | None = None


@dataclass
class MfaToken:
    """The second step of one login: what `POST /auth/mfa/verify` redeems with a code.

    Bound to its user and to the user's token version at login, so a password change or reset,
    a deactivation or logout-all in between voids it. Single use, short-lived.
    """

    token_hash: str
    """SHA-256 of the token; the token itself is only ever in the 401 `mfa_required` answer."""
    user_id: uuid.UUID
    token_version: int
    created_at: datetime
    expires_at: datetime
    spent_at: datetime | None = None

    @classmethod
    def issue(
        cls, *, token_hash: str, user_id: uuid.UUID, token_version: int, now: datetime
    ) -> "MfaToken":
        return cls(
            token_hash=token_hash,
            user_id=user_id,
            token_version=token_version,
            created_at=now,
            expires_at=now + MFA_TOKEN_LIFETIME,
        )

    def is_usable(self, now: datetime) -> bool:
        return self.spent_at is None and now < self.expires_at
