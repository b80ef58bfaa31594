"""The rate limiters the container picks from settings: per process, or shared through Redis."""

import redis
from limits.storage import MemoryStorage, RedisStorage
from redis.backoff import NoBackoff
from redis.retry import Retry

from infrastructure.throttle.fallback import DEFAULT_RETRY_INTERVAL_SECONDS, FallbackRateLimiter
from infrastructure.throttle.limits_rate_limiter import DEFAULT_NAMESPACE, LimitsRateLimiter

REDIS_KEY_PREFIX = "tessera"
"""Every Redis key is `tessera:<namespace>/...`, so the service can share a Redis with others."""

DEFAULT_REDIS_TIMEOUT_SECONDS = 0.5


def memory_rate_limiter(namespace: str = DEFAULT_NAMESPACE) -> LimitsRateLimiter:
    """Counts in this process's memory: for one process, or as the fallback of a shared one."""
    return LimitsRateLimiter(MemoryStorage(), namespace)


def redis_storage(
    url: str, *, timeout_seconds: float = DEFAULT_REDIS_TIMEOUT_SECONDS
) -> RedisStorage:
    """A `limits` Redis storage that fails fast and raises `limits.errors.StorageError`.

    redis-py's defaults (5 s timeouts, 10 retries with backoff) would hold a login for seconds
    or minutes when Redis is down. A single immediate retry still covers the common case of a
    pooled connection that Redis closed (a restart, an idle timeout). No network I/O happens here.
    """
    pool = redis.ConnectionPool.from_url(
        url,
        socket_timeout=timeout_seconds,
        socket_connect_timeout=timeout_seconds,
        retry=Retry(NoBackoff(), retries=1),
    )
    return RedisStorage(
        url, connection_pool=pool, key_prefix=REDIS_KEY_PREFIX, wrap_exceptions=True
    )


def redis_rate_limiter(
    url: str,
    *,
    namespace: str = DEFAULT_NAMESPACE,
    timeout_seconds: float = DEFAULT_REDIS_TIMEOUT_SECONDS,
    retry_interval_seconds: float = DEFAULT_RETRY_INTERVAL_SECONDS,
) -> FallbackRateLimiter:
    """Counts in Redis, shared by every process; in this process's memory while Redis is down."""
    return FallbackRateLimiter(
        LimitsRateLimiter(redis_storage(url, timeout_seconds=timeout_seconds), namespace),
        memory_rate_limiter(namespace),
        retry_interval_seconds=retry_interval_seconds,
    )
