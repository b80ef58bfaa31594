from dataclasses import dataclass
from datetime import timedelta

import pytest

from application.audit import AuditTrail
from application.emails import EmailTemplates
from application.ports.throttle import RateLimit
from application.services.email_verification import VerificationMailer
from application.services.session_tokens import SessionLifetimes, SessionStarter
from application.services.throttling import Throttle, ThrottlePolicy
from infrastructure.persistence.memory.database import MemoryDatabase
from infrastructure.persistence.memory.unit_of_work import MemoryUnitOfWork
from infrastructure.security.password_policy import ZxcvbnPasswordPolicy
from tests.unit.fakes import (
    CountingRateLimiter,
    FakeAccessTokens,
    FakeClock,
    FakePasswordHasher,
    RecordingEmailSender,
    RecordingSecurityLog,
)

STRONG_PASSWORD = "correct horse battery staple"
BASE_URL = "https://tessera.example"
LIFETIMES = SessionLifetimes(idle=timedelta(days=7), absolute=timedelta(days=30))
POLICY = ThrottlePolicy(
    account_failures=RateLimit(5, 900),
    login_attempts_per_ip=RateLimit(60, 60),
    password_resets_per_email=RateLimit(5, 3600),
    password_resets_per_ip=RateLimit(30, 60),
    registrations_per_ip=RateLimit(100, 60),
    verification_emails_per_user=RateLimit(5, 3600),
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

    def uow(self) -> MemoryUnitOfWork:
        return MemoryUnitOfWork(self.database)


@pytest.fixture
def world() -> World:
    database = MemoryDatabase()
    clock = FakeClock()
    tokens = FakeAccessTokens()
    limiter = CountingRateLimiter()
    emails = RecordingEmailSender()
    security_log = RecordingSecurityLog()
    templates = EmailTemplates(BASE_URL)
    return World(
        database=database,
        clock=clock,
        hasher=FakePasswordHasher(),
        tokens=tokens,
        policy=ZxcvbnPasswordPolicy(),
        sessions=SessionStarter(tokens, clock, LIFETIMES),
        limiter=limiter,
        throttle=Throttle(limiter, POLICY),
        emails=emails,
        security_log=security_log,
        audit=AuditTrail(lambda: MemoryUnitOfWork(database), security_log, clock),
        templates=templates,
        mailer=VerificationMailer(templates, emails, clock),
    )
