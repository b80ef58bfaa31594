import logging
import uuid
from collections import Counter
from collections.abc import Iterator

import pytest

from application.audit import AuditTrail
from application.errors import InvalidCredentials, StorageUnavailable, TooManyAttempts
from application.ports.audit import AuditEvent, AuditEventType
from application.ports.repositories import AuditFilter
from application.request_context import RequestContext, set_current_request
from application.use_cases.auth.login import LoginCommand
from infrastructure.persistence.memory import MemoryUnitOfWork
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


@pytest.mark.usefixtures("caller")  # resets the caller's details afterwards
def test_one_ip_gets_sixty_attempts_a_minute(world: World) -> None:
    register(world)
    login = login_use_case(world)
    calling_from("203.0.113.9")
    for _ in range(60):
        login.execute(LoginCommand("alice", STRONG_PASSWORD))
    with pytest.raises(TooManyAttempts):
        login.execute(LoginCommand("alice", STRONG_PASSWORD))
    calling_from("203.0.113.10")
    assert login.execute(LoginCommand("alice", STRONG_PASSWORD))


def calling_from(ip: str) -> None:
    """What the inbound interface does once per request: say who is calling."""
    set_current_request(RequestContext(ip=ip, user_agent="pytest"))


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


def test_an_event_and_an_email_go_out_only_with_the_change_they_belong_to(world: World) -> None:
    user = register(world)
    world.security_log.events.clear()
    world.emails.sent.clear()
    notice = world.templates.password_changed(user.email, user.username)

    with world.uow() as uow:  # the change fails: no commit
        world.audit.record(uow, AuditEventType.PASSWORD_CHANGED, user_id=user.id)
        uow.emit(notice)
    assert (stored_events(world), world.security_log.types(), world.emails.sent) == ([], [], [])

    with world.uow() as uow:
        world.audit.record(uow, AuditEventType.PASSWORD_CHANGED, user_id=user.id)
        uow.emit(notice)
        uow.commit()
    assert [event.event_type for event in stored_events(world)] == ["password_changed"]
    assert world.security_log.types() == ["password_changed"]
    assert world.emails.sent == [notice]


def stored_events(world: World) -> list[AuditEvent]:
    with world.uow() as uow:
        return uow.audit_events.list(
            AuditFilter(event_type=AuditEventType.PASSWORD_CHANGED), limit=10, after=None
        )


class _UnwritableUnitOfWork(MemoryUnitOfWork):
    """A unit of work whose commit fails the way the given error says."""

    def __init__(self, world: World, error: Exception) -> None:
        super().__init__(world.database, world.container.after_commit())
        self._error = error

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
    """An event of its own (here a failed login's) fails nobody's answer: the audit log holds
    the event, and an ERROR line names it so that it can be restored to the store."""
    trail = AuditTrail(lambda: _UnwritableUnitOfWork(world, error), world.security_log, world.clock)

    with caplog.at_level(logging.ERROR, logger="application.audit"):
        trail.record_alone(AuditEventType.LOGIN_FAILED, user_id=uuid.uuid4())

    (event,) = world.security_log.events
    with world.uow() as uow:
        assert uow.audit_events.list(AuditFilter(), limit=10, after=None) == []
    (line,) = [r for r in caplog.records if r.name == "application.audit"]
    assert line.levelno == logging.ERROR
    assert line.getMessage() == (
        f"audit event {event.id} (login_failed) not stored, only logged: {reason}"
    )
