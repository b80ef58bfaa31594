"""The login limit holds under concurrency, on the real limiter: in memory, and on Redis when
TEST_REDIS_URL is set (then an unreachable Redis is an error, never a skip).

Every wrong login is held inside its password check until all of them have either reached the
check or been refused, so they all overlap: had an attempt been counted only after its check,
every one of them would have been let through to Argon2.
"""

import secrets
import threading
import uuid
from collections.abc import Iterator

import pytest
import redis

from application.audit import AuditTrail
from application.errors import InvalidCredentials, TooManyAttempts
from application.ports.throttle import RateLimiter
from application.services.second_factor import SecondFactors
from application.services.session_tokens import SessionStarter
from application.services.throttling import Throttle
from application.use_cases.auth.login import Login, LoginCommand
from domain.users import User
from infrastructure.after_commit import LogAndSend
from infrastructure.container import throttle_policy
from infrastructure.persistence.memory import MemoryDatabase, MemoryUnitOfWork
from infrastructure.security.secret_box import AesGcmSecretBox
from infrastructure.security.totp import PyotpTotp
from infrastructure.throttle import LimitsRateLimiter, memory_rate_limiter, redis_storage
from tests.services import require_redis
from tests.unit.conftest import LIFETIMES, SETTINGS, STRONG_PASSWORD
from tests.unit.fakes import (
    FakeAccessTokens,
    FakeClock,
    FakePasswordHasher,
    RecordingEmailSender,
    RecordingSecurityLog,
)

BACKENDS = ["memory", "redis"]
LOGINS = 12
WAIT_SECONDS = 10.0  # a bound on synchronisation only: a broken test fails instead of hanging


class GatedHasher(FakePasswordHasher):
    """Holds every verify until the gate opens, counting the verifies that got this far."""

    def __init__(self) -> None:
        super().__init__()
        self.gate = threading.Event()
        self.gate.set()
        self.arrived = 0
        self.changed = threading.Condition()

    def verify(self, password_hash: str, password: str) -> bool:
        with self.changed:
            self.arrived += 1
            self.changed.notify_all()
        self.gate.wait(WAIT_SECONDS)
        return super().verify(password_hash, password)


@pytest.fixture(params=BACKENDS)
def limiter(request: pytest.FixtureRequest) -> Iterator[RateLimiter]:
    if request.param == "memory":
        yield memory_rate_limiter()
        return
    redis_url = require_redis()
    namespace = f"test-{uuid.uuid4().hex}"
    client: redis.Redis = redis.Redis.from_url(redis_url, socket_connect_timeout=2)
    client.ping()  # unreachable: an error here, at once
    yield LimitsRateLimiter(redis_storage(redis_url), namespace)
    keys = list(client.scan_iter(match=f"tessera:{namespace}*"))
    if keys:
        client.delete(*keys)
    client.close()


def test_concurrent_wrong_logins_get_at_most_the_limit_of_password_checks(
    limiter: RateLimiter,
) -> None:
    database = MemoryDatabase()
    clock = FakeClock()
    hasher = GatedHasher()
    policy = throttle_policy(SETTINGS)
    throttle = Throttle(limiter=limiter, policy=policy)
    security_log = RecordingSecurityLog()
    after_commit = LogAndSend(security_log, RecordingEmailSender())
    audit = AuditTrail(lambda: MemoryUnitOfWork(database, after_commit), security_log, clock)
    with MemoryUnitOfWork(database) as uow:
        uow.users.add(
            User.register(
                username="alice",
                email="alice@example.com",
                password_hash=hasher.hash(STRONG_PASSWORD),
                full_name=None,
                now=clock.now(),
            )
        )
        uow.commit()
    hasher.gate.clear()
    outcomes: list[str] = []

    def wrong_login() -> None:
        login = Login(
            uow=MemoryUnitOfWork(database, after_commit),
            hasher=hasher,
            sessions=SessionStarter(tokens=FakeAccessTokens(), clock=clock, lifetimes=LIFETIMES),
            factors=SecondFactors(
                totp=PyotpTotp(), secret_box=AesGcmSecretBox(secrets.token_bytes(32)), clock=clock
            ),
            throttle=throttle,
            audit=audit,
            require_email_verification=False,
        )
        try:
            login.execute(LoginCommand("alice", "not the password!"))
        except TooManyAttempts:
            outcome = "429"
        except InvalidCredentials:
            outcome = "401"
        with hasher.changed:
            outcomes.append(outcome)
            hasher.changed.notify_all()

    threads = [threading.Thread(target=wrong_login) for _ in range(LOGINS)]
    for thread in threads:
        thread.start()
    with hasher.changed:
        # Every login is now either refused or waiting in its password check.
        everyone_placed = hasher.changed.wait_for(
            lambda: hasher.arrived + outcomes.count("429") == LOGINS, WAIT_SECONDS
        )
    hasher.gate.set()
    for thread in threads:
        thread.join(WAIT_SECONDS)

    assert everyone_placed
    assert hasher.arrived == policy.account_failures.amount
    assert sorted(outcomes) == ["401"] * 5 + ["429"] * (LOGINS - 5)
