import logging
import uuid
from collections import Counter
from collections.abc import Iterator

import pytest

from application.audit import AuditTrail
from application.errors import InvalidCredentials, StorageUnavailable, TooManyAttempts
from application.ports.audit import AuditEventType
from application.ports.repositories import AuditFilter
from application.request_context import RequestContext, set_current_request
from application.use_cases.auth.login import LoginCommand
from tests.unit.builders import log_in, login_use_case, register
from tests.unit.conftest import STRONG_PASSWORD, World

WRONG = "not the password!"


def fail(world: World, login: str = "alice") -> None:
    with pytest.raises(InvalidCredentials):
        log_in(world, login, WRONG)


def test_five_failures_lock_the_account_whatever_its_name(world: World) -> None:
    register(world)
    for name in ("alice", "ALICE", "alice@example.com", "Alice@Example.com", "alice"):
        fail(world, name)
    for name in ("alice", "alice@example.com"):
        with pytest.raises(TooManyAttempts) as error:
            log_in(world, name)  # even with the right password
    assert error.value.retry_after_seconds > 0
    register(world, "bob")
    assert log_in(world, "bob").user.username == "bob"  # others are unaffected


def test_unknown_names_are_throttled_the_same_way(world: World) -> None:
    for _ in range(5):
        fail(world, "ghost")
    with pytest.raises(TooManyAttempts):
        log_in(world, "GHOST", WRONG)


def test_a_success_clears_the_failures(world: World) -> None:
    register(world)
    for _ in range(4):
        fail(world)
    log_in(world)
    for _ in range(4):
        fail(world)
    assert log_in(world).user.username == "alice"


def test_one_ip_gets_sixty_attempts_a_minute(world: World) -> None:
    register(world)
    login = login_use_case(world)
    for _ in range(60):
        login.execute(LoginCommand("alice", STRONG_PASSWORD, ip="203.0.113.9"))
    with pytest.raises(TooManyAttempts):
        login.execute(LoginCommand("alice", STRONG_PASSWORD, ip="203.0.113.9"))
    assert login.execute(LoginCommand("alice", STRONG_PASSWORD, ip="203.0.113.10"))


@pytest.fixture
def caller() -> Iterator[None]:
    set_current_request(RequestContext(ip="198.51.100.7", user_agent="pytest"))
    yield
    set_current_request(RequestContext())


@pytest.mark.usefixtures("caller")
def test_login_events_are_audited_with_the_callers_address(world: World) -> None:
    user = register(world)
    fail(world)
    log_in(world)
    for _ in range(5):
        fail(world)
    with pytest.raises(TooManyAttempts):
        log_in(world)
    with world.uow() as uow:
        events = uow.audit_events.list(AuditFilter(user_id=user.id), limit=50, after=None)
    # The fake clock stands still, so the events' order is the ids'; count them instead.
    assert Counter(event.event_type.value for event in events) == {
        "user_registered": 1,
        "login_failed": 6,
        "login_succeeded": 1,
        "login_throttled": 1,
    }
    assert all(event.ip == "198.51.100.7" for event in events)
    assert STRONG_PASSWORD not in repr(events)
    assert WRONG not in repr(events)


def test_a_staged_event_is_stored_and_logged_only_with_the_change_it_records(world: World) -> None:
    user = register(world)
    world.security_log.events.clear()

    with world.uow() as uow:  # the change fails: no commit
        world.audit.stage(uow, AuditEventType.LOGIN_SUCCEEDED, user_id=user.id)
    with world.uow() as uow:
        event = world.audit.stage(uow, AuditEventType.LOGIN_SUCCEEDED, user_id=user.id)
        uow.commit()
    world.audit.log(event)

    with world.uow() as uow:
        stored = uow.audit_events.list(
            AuditFilter(event_type=AuditEventType.LOGIN_SUCCEEDED), limit=10, after=None
        )
    assert [found.id for found in stored] == [event.id]
    assert world.security_log.types() == ["login_succeeded"]


class _UnwritableUnitOfWork:
    """A unit of work whose commit fails the way the given error says."""

    def __init__(self, world: World, error: Exception) -> None:
        self._inner = world.uow()
        self._error = error
        self.audit_events = self._inner.audit_events

    def __enter__(self) -> "_UnwritableUnitOfWork":
        self._inner.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self._inner.__exit__(None, None, None)

    def commit(self) -> None:
        raise self._error


@pytest.mark.parametrize(
    ("error", "reason"),
    [
        (StorageUnavailable("down"), "database unavailable"),
        (RuntimeError("disk full"), "RuntimeError"),
    ],
)
def test_an_event_that_cannot_be_stored_is_logged_whole_and_named_as_an_error(
    world: World, caplog: pytest.LogCaptureFixture, error: Exception, reason: str
) -> None:
    """The action it records has committed, so `record` does not fail it; the audit log holds
    the event, and an ERROR line names it so that it can be restored to the store."""
    trail = AuditTrail(
        lambda: _UnwritableUnitOfWork(world, error),  # type: ignore[arg-type,return-value]
        world.security_log,
        world.clock,
    )

    with caplog.at_level(logging.ERROR, logger="application.audit"):
        event = trail.record(AuditEventType.PASSWORD_CHANGED, user_id=uuid.uuid4())

    assert world.security_log.events == [event]
    with world.uow() as uow:
        assert uow.audit_events.list(AuditFilter(), limit=10, after=None) == []
    (line,) = [r for r in caplog.records if r.name == "application.audit"]
    assert line.levelno == logging.ERROR
    assert line.getMessage() == (
        f"audit event {event.id} (password_changed) not stored, only logged: {reason}"
    )
