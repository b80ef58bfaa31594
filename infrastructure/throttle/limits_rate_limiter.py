"""The RateLimiter port over a `limits` storage, with the moving-window strategy.

A moving window (rather than a fixed one) so that a burst straddling a window boundary cannot get
twice the allowance, and so that "locked until the window passes" means exactly that: a slot frees
`window_seconds` after the hit that took it.
"""

import math
import time
from collections.abc import Iterator
from contextlib import contextmanager

from limits import RateLimitItem, RateLimitItemPerSecond
from limits.errors import StorageError
from limits.storage import MovingWindowSupport, Storage
from limits.strategies import MovingWindowRateLimiter

from application.errors import TooManyAttempts
from application.ports.throttle import RateLimit

DEFAULT_NAMESPACE = "throttle"


class RateLimiterUnavailable(Exception):
    """The storage behind a limiter did not answer (Redis down, timed out, refused the command)."""


@contextmanager
def _storage_errors() -> Iterator[None]:
    try:
        yield
    except StorageError as error:
        raise RateLimiterUnavailable(
            f"{type(error.storage_error).__name__}: {error.storage_error}"
        ) from error


class LimitsRateLimiter:
    """Counts hits per (limit, key) in a `limits` storage (memory, or Redis shared by processes).

    A refused hit is not counted. Moving-window storages only record a hit they accept, so a
    client that keeps trying while locked out does not push the end of its lockout back: it ends
    when the oldest counted hit leaves the window, however many attempts were refused meanwhile.

    Storage keys are `<namespace>/<key>/<amount>/<window>/second`: one counter per limit and key,
    so several limits (and, with different namespaces, several users) can share one storage.
    The storage must raise `limits.errors.StorageError` on failure (`wrap_exceptions=True`);
    that becomes `RateLimiterUnavailable`, which `FallbackRateLimiter` knows how to survive.
    """

    def __init__(self, storage: Storage, namespace: str = DEFAULT_NAMESPACE) -> None:
        if not isinstance(storage, MovingWindowSupport):
            raise TypeError(f"{type(storage).__name__} does not support the moving window.")
        self._strategy = MovingWindowRateLimiter(storage)
        self._namespace = namespace

    def hit(self, limit: RateLimit, key: str) -> None:
        item = self._item(limit)
        with _storage_errors():
            if not self._strategy.hit(item, key):
                raise self._refusal(item, key)

    def check(self, limit: RateLimit, key: str) -> None:
        item = self._item(limit)
        with _storage_errors():
            if not self._strategy.test(item, key):
                raise self._refusal(item, key)

    def clear(self, limit: RateLimit, key: str) -> None:
        item = self._item(limit)
        with _storage_errors():
            self._strategy.clear(item, key)

    def _item(self, limit: RateLimit) -> RateLimitItem:
        # `limits` silently turns a window of 0 into 1 and a limit of 0 refuses everything:
        # a misconfiguration should be loud instead.
        if limit.amount < 1 or limit.window_seconds < 1:
            raise ValueError(f"A rate limit needs an amount and a window of at least 1: {limit}.")
        return RateLimitItemPerSecond(limit.amount, limit.window_seconds, self._namespace)

    def _refusal(self, item: RateLimitItem, key: str) -> TooManyAttempts:
        # The reset time of a moving window is when its oldest counted hit expires, that is when
        # the next hit will be accepted. Rounded up, so a client that waits as told is let in.
        reset_time, _ = self._strategy.get_window_stats(item, key)
        seconds = math.ceil(reset_time - time.time())
        return TooManyAttempts(min(max(seconds, 1), item.get_expiry()))
