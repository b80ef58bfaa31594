"""A Redis outage degrades throttling to this process's memory: never a 500, one warning each way."""

import logging
import threading
import uuid

import pytest

from application.errors import TooManyAttempts
from application.ports.throttle import RateLimit
from infrastructure.throttle import FallbackRateLimiter, memory_rate_limiter, redis_rate_limiter
from tests.adapters.rate_limit_support import FakeMonotonic, SwitchableLimiter

CLOSED_PORT_URL = "redis://127.0.0.1:1/0"
THREE_PER_15_MIN = RateLimit(3, 900)
INTERVAL = 10.0


@pytest.fixture
def warnings(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.WARNING, logger="infrastructure.throttle")
    return caplog


def throttle_warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    """The warnings the throttle adapters logged during the test itself."""
    return [
        record.getMessage()
        for record in caplog.records
        if record.levelno == logging.WARNING and record.name.startswith("infrastructure.throttle")
    ]


@pytest.fixture
def primary() -> SwitchableLimiter:
    return SwitchableLimiter()


@pytest.fixture
def monotonic() -> FakeMonotonic:
    return FakeMonotonic()


@pytest.fixture
def limiter(primary: SwitchableLimiter, monotonic: FakeMonotonic) -> FallbackRateLimiter:
    return FallbackRateLimiter(
        primary, memory_rate_limiter(), retry_interval_seconds=INTERVAL, monotonic=monotonic
    )


def test_an_unreachable_redis_throttles_in_memory_with_one_warning(
    warnings: pytest.LogCaptureFixture,
) -> None:
    limiter = redis_rate_limiter(CLOSED_PORT_URL, namespace=f"test-{uuid.uuid4().hex}")

    for _ in range(3):
        limiter.hit(THREE_PER_15_MIN, "user:1")
    with pytest.raises(TooManyAttempts):
        limiter.hit(THREE_PER_15_MIN, "user:1")
    with pytest.raises(TooManyAttempts):
        limiter.check(THREE_PER_15_MIN, "user:1")
    limiter.clear(THREE_PER_15_MIN, "user:1")
    limiter.check(THREE_PER_15_MIN, "user:1")

    assert limiter.degraded
    messages = throttle_warnings(warnings)
    assert len(messages) == 1
    assert "unavailable" in messages[0]
    assert "Connection" in messages[0]  # Says why, for whoever reads the log.


def test_while_down_the_primary_is_tried_again_only_after_the_interval(
    limiter: FallbackRateLimiter,
    primary: SwitchableLimiter,
    monotonic: FakeMonotonic,
    warnings: pytest.LogCaptureFixture,
) -> None:
    primary.up = False
    for _ in range(3):
        limiter.check(THREE_PER_15_MIN, "user:1")
    assert primary.calls == 1

    monotonic.advance(INTERVAL - 0.5)
    limiter.check(THREE_PER_15_MIN, "user:1")
    assert primary.calls == 1

    monotonic.advance(1)
    limiter.check(THREE_PER_15_MIN, "user:1")
    limiter.check(THREE_PER_15_MIN, "user:1")
    assert primary.calls == 2  # One probe; it failed, so the next waits another interval.
    assert limiter.degraded
    assert len(throttle_warnings(warnings)) == 1


def test_recovery_is_logged_once_and_the_primary_counts_again(
    limiter: FallbackRateLimiter,
    primary: SwitchableLimiter,
    monotonic: FakeMonotonic,
    warnings: pytest.LogCaptureFixture,
) -> None:
    primary.up = False
    limiter.hit(THREE_PER_15_MIN, "user:1")
    primary.up = True
    monotonic.advance(INTERVAL)

    for _ in range(3):
        limiter.hit(THREE_PER_15_MIN, "user:1")  # Three in the primary: the outage's one is not.
    with pytest.raises(TooManyAttempts):
        limiter.hit(THREE_PER_15_MIN, "user:1")

    assert not limiter.degraded
    assert primary.calls == 1 + 4
    messages = throttle_warnings(warnings)
    assert len(messages) == 2
    assert "again" in messages[1]


def test_a_refusal_from_the_primary_is_not_an_outage(
    limiter: FallbackRateLimiter, primary: SwitchableLimiter, warnings: pytest.LogCaptureFixture
) -> None:
    for _ in range(3):
        limiter.hit(THREE_PER_15_MIN, "user:1")

    with pytest.raises(TooManyAttempts):
        limiter.hit(THREE_PER_15_MIN, "user:1")

    assert not limiter.degraded
    assert throttle_warnings(warnings) == []


def test_a_refusal_while_probing_ends_the_outage(
    limiter: FallbackRateLimiter,
    primary: SwitchableLimiter,
    monotonic: FakeMonotonic,
    warnings: pytest.LogCaptureFixture,
) -> None:
    for _ in range(3):
        limiter.hit(THREE_PER_15_MIN, "user:1")
    primary.up = False
    limiter.check(THREE_PER_15_MIN, "user:1")  # Memory has no hits: allowed.
    primary.up = True
    monotonic.advance(INTERVAL)

    with pytest.raises(TooManyAttempts):
        limiter.check(THREE_PER_15_MIN, "user:1")

    assert not limiter.degraded
    assert len(throttle_warnings(warnings)) == 2


def test_a_clear_also_forgets_what_an_earlier_outage_counted_in_memory(
    limiter: FallbackRateLimiter, primary: SwitchableLimiter, monotonic: FakeMonotonic
) -> None:
    primary.up = False
    for _ in range(3):
        limiter.hit(THREE_PER_15_MIN, "user:1")
    primary.up = True
    monotonic.advance(INTERVAL)
    limiter.clear(THREE_PER_15_MIN, "user:1")  # A successful login, with Redis back.

    primary.up = False
    limiter.hit(THREE_PER_15_MIN, "user:1")  # The next outage starts from nothing.
    limiter.hit(THREE_PER_15_MIN, "user:1")

    assert limiter.degraded


def test_concurrent_requests_in_an_outage_log_one_warning(
    limiter: FallbackRateLimiter, primary: SwitchableLimiter, warnings: pytest.LogCaptureFixture
) -> None:
    primary.up = False
    start = threading.Barrier(16)
    errors: list[BaseException] = []

    def request() -> None:
        start.wait()
        try:
            limiter.check(THREE_PER_15_MIN, "user:1")
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=request) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert len(throttle_warnings(warnings)) == 1
