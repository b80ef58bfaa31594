from dataclasses import dataclass
from datetime import timedelta

import pytest
from dependency_injector import providers

from application.audit import AuditTrail
from application.emails import EmailTemplates
from application.services.email_verification import VerificationMailer
from application.services.session_tokens import SessionLifetimes, SessionStarter
from application.services.throttling import Throttle
from infrastructure.container import Container, build_container
from infrastructure.persistence.memory.database import MemoryDatabase
from infrastructure.persistence.memory.unit_of_work import MemoryUnitOfWork
from infrastructure.security.password_policy import ZxcvbnPasswordPolicy
from infrastructure.settings import Settings
from tests.unit.fakes import (
    CountingRateLimiter,
    FakeAccessTokens,
    FakeClock,
    FakePasskeys,
    FakePasswordHasher,
    FakeTotp,
    RecordingEmailSender,
    RecordingSecurityLog,
)

STRONG_PASSWORD = "correct horse battery staple"
BASE_URL = "https://tessera.example"
# The service's defaults, as the container derives them from the settings.
SETTINGS = Settings(
    _env_file=None, environment="test", database_url="memory://", public_base_url=BASE_URL
)
LIFETIMES = SessionLifetimes(
    idle=timedelta(days=SETTINGS.refresh_token_expire_days),
    absolute=timedelta(days=SETTINGS.session_max_lifetime_days),
)


@dataclass
class World:
    """Everything a use case needs, all in memory, with fast fakes."""

    database: MemoryDatabase
    clock: FakeClock
    hasher: FakePasswordHasher
    tokens: FakeAccessTokens
    policy: ZxcvbnPasswordPolicy
    sessions: SessionStarter
    limiter: CountingRateLimiter
    throttle: Throttle
    emails: RecordingEmailSender
    security_log: RecordingSecurityLog
    audit: AuditTrail
    templates: EmailTemplates
    mailer: VerificationMailer
    totp: FakeTotp
    passkeys: FakePasskeys

    container: Container
    """The service's own wiring, with these fakes in it: `world.container.login()`."""

    def uow(self) -> MemoryUnitOfWork:
        uow = self.container.uow()
        assert isinstance(uow, MemoryUnitOfWork)
        return uow


@pytest.fixture
def world() -> World:
    """The container the service runs on, its adapters replaced by fast, inspectable fakes."""
    container = build_container(SETTINGS)
    clock, hasher, tokens = FakeClock(), FakePasswordHasher(), FakeAccessTokens()
    limiter, emails, security_log = (
        CountingRateLimiter(),
        RecordingEmailSender(),
        RecordingSecurityLog(),
    )
    container.clock.override(providers.Object(clock))
    container.password_hasher.override(providers.Object(hasher))
    container.access_tokens.override(providers.Object(tokens))
    container.rate_limiter.override(providers.Object(limiter))
    container.email_sender.override(providers.Object(emails))
    container.security_log.override(providers.Object(security_log))
    totp = FakeTotp()
    container.totp.override(providers.Object(totp))
    passkeys = FakePasskeys()
    container.passkey_ceremonies.override(providers.Object(passkeys))
    return World(
        database=container.memory_database(),
        clock=clock,
        hasher=hasher,
        tokens=tokens,
        policy=container.password_policy(),
        sessions=container.session_starter(),
        limiter=limiter,
        throttle=container.throttle(),
        emails=emails,
        security_log=security_log,
        audit=container.audit_trail(),
        templates=container.email_templates(),
        mailer=container.verification_mailer(),
        totp=totp,
        passkeys=passkeys,
        container=container,
    )
