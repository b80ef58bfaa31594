"""A login session: what a refresh token belongs to, and what access tokens name in `sid`."""

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass
class AuthSession:
    id: uuid.UUID
    user_id: uuid.UUID
    created_at: datetime
    last_used_at: datetime
    idle_expires_at: datetime
    absolute_expires_at: datetime
    user_agent: str | None
    ip: str | None
    revoked_at: datetime | None = None

    @classmethod
    def start(
        cls,
        *,
        user_id: uuid.UUID,
        now: datetime,
        idle_lifetime: timedelta,
        max_lifetime: timedelta,
        user_agent: str | None,
        ip: str | None,
    ) -> "AuthSession":
        absolute = now + max_lifetime
        return cls(
            id=uuid.uuid4(),
            user_id=user_id,
            created_at=now,
            last_used_at=now,
            idle_expires_at=min(now + idle_lifetime, absolute),
            absolute_expires_at=absolute,
            user_agent=user_agent,
            ip=ip,
        )

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    def is_live(self, now: datetime) -> bool:
        return not self.is_revoked and now < self.idle_expires_at

    def is_usable(self, now: datetime) -> bool:
        """Live, and within its absolute lifetime (the idle expiry never passes it)."""
        return self.is_live(now) and now < self.absolute_expires_at

    def touch(self, now: datetime, idle_lifetime: timedelta) -> None:
        """A refresh: the idle expiry moves on, never past the absolute one."""
        self.last_used_at = now
        self.idle_expires_at = min(now + idle_lifetime, self.absolute_expires_at)

    def revoke(self, now: datetime) -> None:
        if self.revoked_at is None:
            self.revoked_at = now
