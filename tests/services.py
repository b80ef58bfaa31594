"""The outside services some tests need (PostgreSQL, Redis), and what a test does without one.

Every variant of a parametrized test is generated, whether its service is configured or not: a
PostgreSQL or Redis variant without its URL is reported as skipped, with the reason, so the count
of a local run says what did not run. Under `CI=true` (set by `.ci/run`) a missing URL fails the
test instead: in CI a test that asks for a service never skips. An unreachable server always fails.
"""

import os

import pytest

POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL") or None
REDIS_URL = os.environ.get("TEST_REDIS_URL") or None
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def require_postgres() -> str:
    """TEST_POSTGRES_URL; or skip the test (fail it under CI=true)."""
    return _require(POSTGRES_URL, "TEST_POSTGRES_URL")


def require_redis() -> str:
    """TEST_REDIS_URL; or skip the test (fail it under CI=true)."""
    return _require(REDIS_URL, "TEST_REDIS_URL")


def _require(url: str | None, variable: str) -> str:
    if url is not None:
        return url
    reason = f"needs {variable} (set by .ci/run)"
    if IN_CI:
        pytest.fail(f"{reason}: under CI=true a test that needs a service never skips", False)
    pytest.skip(reason)
