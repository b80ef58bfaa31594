"""Test helpers for the rate limiter adapters: a clock to patch in, a primary that can go down."""

import threading

from limits.storage import MemoryStorage

from application.ports.throttle import RateLimit
from infrastructure.throttle import LimitsRateLimiter, RateLimiterUnavailable


class FakeTime:
    """Stands in for the `time` module where `limits` (and our adapter) read the wall clock."""

    def __init__(self, start: float) -> None:
        self.now = start

    def time(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class FakeMonotonic:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class SwitchableLimiter:
    """A real in-memory limiter that can be switched off like a Redis outage, counting its calls."""

    def __init__(self) -> None:
        self._limiter = LimitsRateLimiter(MemoryStorage())
        self._lock = threading.Lock()
        self.up = True
        self.calls = 0

    def hit(self, limit: RateLimit, key: str) -> None:
        self._answer()
        self._limiter.hit(limit, key)

    def check(self, limit: RateLimit, key: str) -> None:
        self._answer()
        self._limiter.check(limit, key)

    def clear(self, limit: RateLimit, key: str) -> None:
        self._answer()
        self._limiter.clear(limit, key)

    def _answer(self) -> None:
        with self._lock:
            self.calls += 1
        if not self.up:
            raise RateLimiterUnavailable("ConnectionError: Connection refused.")
