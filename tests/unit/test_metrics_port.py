"""The Metrics port: every attempt a limit refuses is counted by the limit's name (and by nothing
that names who or what was refused)."""

import uuid
from collections import Counter
from collections.abc import Callable

import pytest
from dependency_injector import providers

from application.errors import InvalidCredentials, TooManyAttempts
from application.ports.metrics import NO_METRICS, Metrics
from application.ports.throttle import RateLimit
from application.request_context import RequestContext, set_current_request
from application.services.throttling import THROTTLE_LIMITS, Throttle
from application.use_cases.auth.login import LoginCommand
from tests.unit.builders import login_use_case, register
from tests.unit.conftest import STRONG_PASSWORD, World


class RecordingMetrics:
    def __init__(self) -> None:
        self.throttled: Counter[str] = Counter()

    def attempt_throttled(self, limit: str) -> None:
        self.throttled[limit] += 1


@pytest.fixture
def metrics(world: World) -> RecordingMetrics:
    """The world's throttle, counting into a recording Metrics port."""
    recording = RecordingMetrics()
    counting: Metrics = recording
    throttle = Throttle(limiter=world.limiter, policy=world.throttle.policy, metrics=counting)
    world.container.throttle.override(providers.Object(throttle))
    world.throttle = throttle
    return recording


def test_metrics_are_off_by_default(world: World) -> None:
    assert not world.container.metrics().enabled
    assert Throttle(limiter=world.limiter, policy=world.throttle.policy).metrics is NO_METRICS


def test_a_locked_login_is_counted_by_its_limit_each_time(
    world: World, metrics: RecordingMetrics
) -> None:
    register(world)
    login = login_use_case(world)
    for _ in range(5):
        with pytest.raises(InvalidCredentials):
            login.execute(LoginCommand("alice", "not the password!"))
    assert metrics.throttled == Counter()
    for _ in range(3):
        with pytest.raises(TooManyAttempts):
            login.execute(LoginCommand("alice", STRONG_PASSWORD))
    assert metrics.throttled == Counter({"account": 3})


def test_an_ip_over_its_limit_is_counted_as_ip(world: World, metrics: RecordingMetrics) -> None:
    register(world)
    login = login_use_case(world)
    set_current_request(RequestContext(ip="203.0.113.9"))
    try:
        for _ in range(60):
            login.execute(LoginCommand("alice", STRONG_PASSWORD))
        with pytest.raises(TooManyAttempts):
            login.execute(LoginCommand("alice", STRONG_PASSWORD))
    finally:
        set_current_request(RequestContext())
    assert metrics.throttled == Counter({"ip": 1})


def test_every_other_limit_is_counted_by_its_own_name(
    world: World, metrics: RecordingMetrics
) -> None:
    throttle = world.throttle
    policy = throttle.policy
    attempts: dict[str, tuple[RateLimit, Callable[[int], None]]] = {
        "password_reset_ip": (
            policy.password_resets_per_ip,
            lambda n: throttle.password_reset_requested(f"{n}@example.com", "192.0.2.1"),
        ),
        "password_reset_email": (
            policy.password_resets_per_email,
            lambda n: throttle.password_reset_requested("same@example.com", f"198.51.100.{n}"),
        ),
        "registration_ip": (
            policy.registrations_per_ip,
            lambda n: throttle.registration("192.0.2.2"),
        ),
        "verification_email": (
            policy.verification_emails_per_user,
            lambda n: throttle.verification_email(uuid.UUID(int=7)),
        ),
    }
    for name, (limit, attempt) in attempts.items():
        for n in range(limit.amount):
            attempt(n)
        with pytest.raises(TooManyAttempts):
            attempt(limit.amount)
        assert metrics.throttled[name] == 1, name
    assert set(metrics.throttled) | {"ip", "account"} == set(THROTTLE_LIMITS)
