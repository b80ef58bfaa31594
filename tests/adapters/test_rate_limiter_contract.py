"""One contract for the RateLimiter adapter: in memory always, on Redis with TEST_REDIS_URL.

Without TEST_REDIS_URL the Redis tests are reported as skipped (failed under CI=true, see
tests/services.py); when it is set but Redis does not answer, they fail; they never skip. The
Redis tests run without the in-memory fallback (except the two-process ones, which could not pass
on it), so an outage cannot hide behind it. Each test has a namespace of its own and deletes its
keys, so runs (and other users of the same Redis database) do not meet.
"""

import time
import uuid
from collections.abc import Callable, Iterator

import limits.storage.memory
import limits.storage.redis
import pytest
import redis
from limits.storage import MemoryStorage, Storage
from redis.backoff import NoBackoff
from redis.retry import Retry

import infrastructure.throttle.limits_rate_limiter
from application.errors import TooManyAttempts
from application.ports.throttle import RateLimit, RateLimiter
from infrastructure.throttle import LimitsRateLimiter, redis_rate_limiter, redis_storage
from tests.adapters.rate_limit_support import FakeTime
from tests.services import require_redis

BACKENDS = ["memory", "redis"]

FIVE_PER_15_MIN = RateLimit(5, 900)

StorageFactory = Callable[[], Storage]


@pytest.fixture
def namespace() -> str:
    return f"test-{uuid.uuid4().hex}"


@pytest.fixture
def redis_url() -> str:
    return require_redis()


@pytest.fixture
def redis_client(redis_url: str, namespace: str) -> Iterator[redis.Redis]:
    client: redis.Redis = redis.Redis.from_url(
        redis_url, socket_connect_timeout=2, retry=Retry(NoBackoff(), retries=0)
    )
    client.ping()  # Unreachable: the test errors here, at once, rather than skip or pass.
    yield client
    keys = list(client.scan_iter(match=f"tessera:{namespace}*"))  # With its "-other" too.
    if keys:
        client.delete(*keys)
    client.close()


@pytest.fixture(params=BACKENDS)
def new_storage(request: pytest.FixtureRequest) -> StorageFactory:
    """Makes storages of one backend; on Redis they all reach the same database."""
    if request.param == "memory":
        shared = MemoryStorage()
        return lambda: shared
    request.getfixturevalue("redis_client")
    url: str = request.getfixturevalue("redis_url")
    return lambda: redis_storage(url)


@pytest.fixture
def limiter(new_storage: StorageFactory, namespace: str) -> RateLimiter:
    return LimitsRateLimiter(new_storage(), namespace)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> FakeTime:
    """Wall-clock time as the tests say, where `limits` and the adapter read it.

    Only for what cannot be shown otherwise: that time ends a lockout. `limits` takes no clock,
    so its modules' `time` is replaced; if it ever reads time another way, these tests fail.
    Redis still expires its keys on real time, after the whole window: never within a test.
    """
    fake = FakeTime(float(int(time.time())))
    for module in (
        limits.storage.memory,
        limits.storage.redis,
        infrastructure.throttle.limits_rate_limiter,
    ):
        monkeypatch.setattr(module, "time", fake)
    return fake


def hit_times(limiter: RateLimiter, limit: RateLimit, key: str, times: int) -> None:
    for _ in range(times):
        limiter.hit(limit, key)


def refusal(action: Callable[[], None]) -> TooManyAttempts:
    with pytest.raises(TooManyAttempts) as refused:
        action()
    return refused.value


def test_the_limit_passes_then_the_next_hit_is_refused(limiter: RateLimiter) -> None:
    hit_times(limiter, FIVE_PER_15_MIN, "ip:192.0.2.1", 5)

    refused = refusal(lambda: limiter.hit(FIVE_PER_15_MIN, "ip:192.0.2.1"))

    assert 0 < refused.retry_after_seconds <= 900


def test_every_hit_after_the_limit_is_refused(limiter: RateLimiter) -> None:
    hit_times(limiter, FIVE_PER_15_MIN, "user:1", 5)

    for _ in range(3):
        refusal(lambda: limiter.hit(FIVE_PER_15_MIN, "user:1"))


def test_check_does_not_count(limiter: RateLimiter) -> None:
    limit = RateLimit(2, 900)
    for _ in range(5):
        limiter.check(limit, "user:1")

    hit_times(limiter, limit, "user:1", 2)  # Both pass: the checks took nothing.


def test_check_refuses_once_the_limit_is_used_up(limiter: RateLimiter) -> None:
    limit = RateLimit(2, 900)
    hit_times(limiter, limit, "user:1", 2)

    refused = refusal(lambda: limiter.check(limit, "user:1"))

    assert 0 < refused.retry_after_seconds <= 900


def test_check_passes_while_one_hit_is_left(limiter: RateLimiter) -> None:
    hit_times(limiter, FIVE_PER_15_MIN, "user:1", 4)

    limiter.check(FIVE_PER_15_MIN, "user:1")
    limiter.check(FIVE_PER_15_MIN, "user:1")


def test_clear_resets_the_count(limiter: RateLimiter) -> None:
    hit_times(limiter, FIVE_PER_15_MIN, "user:1", 5)

    limiter.clear(FIVE_PER_15_MIN, "user:1")

    limiter.check(FIVE_PER_15_MIN, "user:1")
    hit_times(limiter, FIVE_PER_15_MIN, "user:1", 5)
    refusal(lambda: limiter.hit(FIVE_PER_15_MIN, "user:1"))


def test_clearing_a_key_never_counted_is_harmless(limiter: RateLimiter) -> None:
    limiter.clear(FIVE_PER_15_MIN, "user:never-seen")

    limiter.check(FIVE_PER_15_MIN, "user:never-seen")


def test_keys_are_independent(limiter: RateLimiter) -> None:
    hit_times(limiter, FIVE_PER_15_MIN, "user:1", 5)

    hit_times(limiter, FIVE_PER_15_MIN, "user:2", 5)
    limiter.clear(FIVE_PER_15_MIN, "user:2")
    refusal(lambda: limiter.check(FIVE_PER_15_MIN, "user:1"))


def test_limits_on_the_same_key_are_independent(limiter: RateLimiter) -> None:
    hit_times(limiter, RateLimit(2, 900), "ip:192.0.2.1", 2)

    hit_times(limiter, RateLimit(3, 900), "ip:192.0.2.1", 3)
    hit_times(limiter, RateLimit(2, 901), "ip:192.0.2.1", 2)
    refusal(lambda: limiter.check(RateLimit(2, 900), "ip:192.0.2.1"))


def test_namespaces_sharing_a_storage_are_independent(
    new_storage: StorageFactory, namespace: str
) -> None:
    storage = new_storage()
    first = LimitsRateLimiter(storage, namespace)
    second = LimitsRateLimiter(storage, f"{namespace}-other")
    hit_times(first, FIVE_PER_15_MIN, "user:1", 5)

    hit_times(second, FIVE_PER_15_MIN, "user:1", 5)
    refusal(lambda: first.check(FIVE_PER_15_MIN, "user:1"))


@pytest.mark.parametrize("limit", [RateLimit(0, 60), RateLimit(5, 0), RateLimit(-1, -1)])
def test_a_limit_below_one_is_a_configuration_error(limiter: RateLimiter, limit: RateLimit) -> None:
    with pytest.raises(ValueError, match="at least 1"):
        limiter.hit(limit, "user:1")


def test_retry_after_is_the_time_until_the_oldest_hit_leaves_the_window(
    limiter: RateLimiter, clock: FakeTime
) -> None:
    limit = RateLimit(2, 60)
    limiter.hit(limit, "user:1")
    clock.advance(10)
    limiter.hit(limit, "user:1")
    clock.advance(10)

    assert refusal(lambda: limiter.hit(limit, "user:1")).retry_after_seconds == 40
    clock.advance(25.5)
    assert refusal(lambda: limiter.check(limit, "user:1")).retry_after_seconds == 15  # 14.5 up


def test_refused_hits_do_not_extend_the_lockout(limiter: RateLimiter, clock: FakeTime) -> None:
    limit = RateLimit(2, 60)
    hit_times(limiter, limit, "user:1", 2)
    for _ in range(59):  # A client trying every second while locked out.
        clock.advance(1)
        refusal(lambda: limiter.hit(limit, "user:1"))

    clock.advance(1.5)  # The window has passed since the two counted hits.

    hit_times(limiter, limit, "user:1", 2)
    assert refusal(lambda: limiter.hit(limit, "user:1")).retry_after_seconds == 60


def test_the_window_moves_one_hit_at_a_time(limiter: RateLimiter, clock: FakeTime) -> None:
    limit = RateLimit(2, 60)
    limiter.hit(limit, "user:1")
    clock.advance(30)
    limiter.hit(limit, "user:1")
    clock.advance(30.5)  # The first hit has left the window; the second has not.

    limiter.hit(limit, "user:1")
    assert refusal(lambda: limiter.hit(limit, "user:1")).retry_after_seconds == 30


def test_two_processes_sharing_redis_reach_the_limit_together(
    redis_url: str, redis_client: redis.Redis, namespace: str
) -> None:
    first = redis_rate_limiter(redis_url, namespace=namespace)
    second = redis_rate_limiter(redis_url, namespace=namespace)

    hit_times(first, FIVE_PER_15_MIN, "user:1", 3)
    hit_times(second, FIVE_PER_15_MIN, "user:1", 2)

    refusal(lambda: first.hit(FIVE_PER_15_MIN, "user:1"))
    refusal(lambda: second.hit(FIVE_PER_15_MIN, "user:1"))
    refusal(lambda: second.check(FIVE_PER_15_MIN, "user:1"))
    assert not first.degraded
    assert not second.degraded


def test_a_clear_in_one_process_frees_the_other(
    redis_url: str, redis_client: redis.Redis, namespace: str
) -> None:
    first = redis_rate_limiter(redis_url, namespace=namespace)
    second = redis_rate_limiter(redis_url, namespace=namespace)
    hit_times(first, FIVE_PER_15_MIN, "user:1", 5)

    second.clear(FIVE_PER_15_MIN, "user:1")

    hit_times(first, FIVE_PER_15_MIN, "user:1", 5)


def test_redis_keys_are_the_services_and_expire_with_their_window(
    redis_url: str, redis_client: redis.Redis, namespace: str
) -> None:
    limiter = LimitsRateLimiter(redis_storage(redis_url), namespace)

    limiter.hit(RateLimit(5, 60), "user:1")

    keys = list(redis_client.scan_iter(match=f"tessera:{namespace}/*"))
    assert len(keys) == 1
    assert 0 < redis_client.ttl(keys[0]) <= 60
