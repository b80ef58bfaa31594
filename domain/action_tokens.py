"""Single-use tokens sent by email: to reset a password, or to prove an email address."""

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum


class ActionPurpose(StrEnum):
    RESET_PASSWORD = "reset_password"
    VERIFY_EMAIL = "verify_email"


LIFETIMES = {
    ActionPurpose.RESET_PASSWORD: timedelta(hours=1),
    ActionPurpose.VERIFY_EMAIL: timedelta(hours=48),
}


@dataclass
class ActionToken:
    token_hash: str
    """SHA-256 of the token; the token itself exists only in the email."""
    user_id: uuid.UUID
    purpose: ActionPurpose
    email: str
    """The address the token was sent to: a verification proves that address only."""
    created_at: datetime
    expires_at: datetime
    used_at: datetime | None = None

    @classmethod
    def issue(
        cls,
        *,
        token_hash: str,
        user_id: uuid.UUID,
        purpose: ActionPurpose,
        email: str,
        now: datetime,
    ) -> "ActionToken":
        return cls(
            token_hash=token_hash,
            user_id=user_id,
            purpose=purpose,
            email=email,
            created_at=now,
            expires_at=now + LIFETIMES[purpose],
        )

    def is_usable(self, now: datetime) -> bool:
        return self.used_at is None and now < self.expires_at
