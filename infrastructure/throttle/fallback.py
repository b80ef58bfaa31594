"""Keeps throttling up when its shared storage (Redis) is down: a Redis outage must not be a 500."""

import logging
import threading
import time
from collections.abc import Callable

from application.errors import TooManyAttempts
from application.ports.throttle import RateLimit, RateLimiter
from infrastructure.throttle.limits_rate_limiter import RateLimiterUnavailable

logger = logging.getLogger(__name__)

DEFAULT_RETRY_INTERVAL_SECONDS = 10.0


class FallbackRateLimiter:
    """Uses `primary` while it answers, and `fallback` (this process's memory) while it does not.

    One warning when the primary fails and one when it answers again, however many requests
    come in between. While it is down it is tried again at most once per `retry_interval_seconds`
    (by one request; the others meanwhile use the fallback), so an outage does not add a
    connection timeout to every request.

    While degraded each process counts on its own, so a client spreading its attempts over
    several processes gets several allowances; and counts do not move between the two stores
    when the state changes. Both are the price of answering at all.
    """

    def __init__(
        self,
        primary: RateLimiter,
        fallback: RateLimiter,
        *,
        retry_interval_seconds: float = DEFAULT_RETRY_INTERVAL_SECONDS,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._primary = primary
        self._fallback = fallback
        self._retry_interval = retry_interval_seconds
        self._monotonic = monotonic
        self._lock = threading.Lock()
        self._degraded = False
        self._next_attempt = 0.0

    @property
    def degraded(self) -> bool:
        """True while calls go to the fallback."""
        return self._degraded

    def hit(self, limit: RateLimit, key: str) -> None:
        self._call(lambda limiter: limiter.hit(limit, key))

    def check(self, limit: RateLimit, key: str) -> None:
        self._call(lambda limiter: limiter.check(limit, key))

    def clear(self, limit: RateLimit, key: str) -> None:
        # The fallback too, always: counts left there by an earlier outage must not come back
        # at the next one (a successful login's clear would otherwise be forgotten).
        self._fallback.clear(limit, key)
        self._call(lambda limiter: limiter.clear(limit, key))

    def _call(self, action: Callable[[RateLimiter], None]) -> None:
        if self._primary_due():
            try:
                action(self._primary)
            except RateLimiterUnavailable as error:
                self._primary_failed(error)
            except TooManyAttempts:
                self._primary_answered()
                raise
            else:
                self._primary_answered()
                return
        action(self._fallback)

    def _primary_due(self) -> bool:
        if not self._degraded:
            return True
        with self._lock:
            now = self._monotonic()
            if not self._degraded or now >= self._next_attempt:
                # This caller probes; concurrent ones keep to the fallback until it knows.
                self._next_attempt = now + self._retry_interval
                return True
            return False

    def _primary_failed(self, error: RateLimiterUnavailable) -> None:
        with self._lock:
            self._next_attempt = self._monotonic() + self._retry_interval
            if self._degraded:
                return
            self._degraded = True
        logger.warning(
            "Rate limiter storage unavailable (%s); counting in this process's memory until it "
            "answers again.",
            error,
        )

    def _primary_answered(self) -> None:
        if not self._degraded:
            return
        with self._lock:
            if not self._degraded:
                return
            self._degraded = False
        # A warning as well, so whoever filters at WARNING sees the outage end, not only begin.
        logger.warning("Rate limiter storage answers again; counting there again.")
