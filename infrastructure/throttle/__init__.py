"""Rate limiting adapters (the RateLimiter port) built on the `limits` library."""

from infrastructure.throttle.factories import (
    memory_rate_limiter,
    redis_rate_limiter,
    redis_storage,
)
from infrastructure.throttle.fallback import FallbackRateLimiter
from infrastructure.throttle.limits_rate_limiter import LimitsRateLimiter, RateLimiterUnavailable

__all__ = [
    "FallbackRateLimiter",
    "LimitsRateLimiter",
    "RateLimiterUnavailable",
    "memory_rate_limiter",
    "redis_rate_limiter",
    "redis_storage",
]
