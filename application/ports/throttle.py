from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class RateLimit:
    """At most `amount` hits per `window_seconds`, in a moving window."""

    amount: int
    window_seconds: int


class RateLimiter(Protocol):
    """Counts hits per (limit, key). State is per process in memory, or shared through Redis."""

    def hit(self, limit: RateLimit, key: str) -> None:
        """Count one hit; raise TooManyAttempts (with a retry-after) if the limit is already used up."""
        ...

    def check(self, limit: RateLimit, key: str) -> None:
        """Raise TooManyAttempts when the limit is used up, without counting a hit."""
        ...

    def clear(self, limit: RateLimit, key: str) -> None: ...
