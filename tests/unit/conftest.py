from dataclasses import dataclass
from datetime import timedelta

import pytest

from application.use_cases.auth.session_tokens import SessionLifetimes, SessionStarter
from infrastructure.persistence.memory.database import MemoryDatabase
from infrastructure.persistence.memory.unit_of_work import MemoryUnitOfWork
from infrastructure.security.password_policy import ZxcvbnPasswordPolicy
from tests.unit.fakes import FakeAccessTokens, FakeClock, FakePasswordHasher

STRONG_PASSWORD = "correct horse battery staple"


@dataclass
class World:
    """Everything a use case needs, all in memory, with fast fakes."""

    database: MemoryDatabase
    clock: FakeClock
    hasher: FakePasswordHasher
    tokens: FakeAccessTokens
    policy: ZxcvbnPasswordPolicy
    sessions: SessionStarter

    def uow(self) -> MemoryUnitOfWork:
        return MemoryUnitOfWork(self.database)


@pytest.fixture
def world() -> World:
    clock = FakeClock()
    tokens = FakeAccessTokens()
    return World(
        database=MemoryDatabase(),
        clock=clock,
        hasher=FakePasswordHasher(),
        tokens=tokens,
        policy=ZxcvbnPasswordPolicy(),
        sessions=SessionStarter(
            tokens, clock, SessionLifetimes(idle=timedelta(days=7), absolute=timedelta(days=30))
        ),
    )
