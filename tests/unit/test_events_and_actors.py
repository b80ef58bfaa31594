"""What a use case tells the world goes out with its change or not at all; admin use cases are
always told who acts, and a refusal is audited by the application, whichever interface asked."""

import dataclasses
from typing import Any

import pytest
from dependency_injector import providers

from application.ports.audit import AuditEvent, AuditEventType
from application.ports.repositories import AuditFilter
from application.use_cases.admin.change_role import ChangeRoleCommand
from application.use_cases.admin.create_admin import CreateAdminCommand
from application.use_cases.admin.delete_user import DeleteUserCommand
from application.use_cases.admin.get_any_user import GetAnyUserQuery
from application.use_cases.admin.list_all_users import ListAllUsersQuery
from application.use_cases.admin.list_audit_events import ListAuditEventsQuery
from application.use_cases.admin.set_user_active import SetUserActiveCommand
from application.use_cases.auth.login import LoginCommand
from application.use_cases.auth.register_user import RegisterUserCommand
from domain.errors import AdminRequired
from domain.users import Role
from infrastructure.persistence.memory import MemoryUnitOfWork
from tests.unit.builders import create_admin, register
from tests.unit.conftest import STRONG_PASSWORD, World


class CommitFails(MemoryUnitOfWork):
    """A unit of work whose commit fails, as a database's can, after the use case emitted."""

    def commit(self) -> None:
        raise RuntimeError("the disk is full")


def failing_commits(world: World) -> None:
    world.container.uow.override(
        providers.Factory(
            CommitFails, database=world.database, after_commit=world.container.after_commit
        )
    )


def audit_events(world: World) -> list[AuditEvent]:
    with world.uow() as uow:
        return uow.audit_events.list(AuditFilter(), limit=100, after=None)


def test_a_use_case_that_fails_after_emitting_leaves_no_row_no_log_line_and_no_email(
    world: World,
) -> None:
    failing_commits(world)
    command = RegisterUserCommand(username="alice", email="a@example.com", password=STRONG_PASSWORD)

    with pytest.raises(RuntimeError, match="disk is full"):
        world.container.register_user().execute(command)

    world.container.uow.reset_override()
    assert audit_events(world) == []
    assert world.security_log.events == []
    assert world.emails.sent == []


def test_a_logins_audit_row_is_stored_with_its_session_or_not_at_all(world: World) -> None:
    register(world)
    login = LoginCommand(login="alice", password=STRONG_PASSWORD)

    issued = world.container.login().execute(login)

    with world.uow() as uow:
        session = uow.sessions.get(issued.session.id)
        events = uow.audit_events.list(
            AuditFilter(event_type=AuditEventType.LOGIN_SUCCEEDED), limit=10, after=None
        )
    assert session is not None
    assert [event.details for event in events] == [{"session_id": str(session.id)}]

    failing_commits(world)
    with pytest.raises(RuntimeError):
        world.container.login().execute(login)
    world.container.uow.reset_override()
    with world.uow() as uow:
        sessions = uow.sessions.list_live_for_user(issued.user.id, world.clock.now())
        events = uow.audit_events.list(
            AuditFilter(event_type=AuditEventType.LOGIN_SUCCEEDED), limit=10, after=None
        )
    assert (len(sessions), len(events)) == (1, 1)
    assert world.security_log.types().count("login_succeeded") == 1


ADMIN_COMMANDS: list[tuple[type[Any], dict[str, Any]]] = [
    (ChangeRoleCommand, {"user": "alice", "role": Role.ADMIN}),
    (CreateAdminCommand, {"username": "root", "email": "r@example.com", "password": "x"}),
    (DeleteUserCommand, {"user": "alice"}),
    (GetAnyUserQuery, {"user": "alice"}),
    (ListAllUsersQuery, {}),
    (ListAuditEventsQuery, {}),
    (SetUserActiveCommand, {"user": "alice"}),
]


@pytest.mark.parametrize(("command", "fields"), ADMIN_COMMANDS)
def test_an_admin_command_cannot_be_made_without_its_actor(
    command: type[Any], fields: dict[str, Any]
) -> None:
    assert "actor" in {field.name for field in dataclasses.fields(command)}
    with pytest.raises(TypeError, match="actor"):
        command(**fields)


def test_an_admin_use_case_refuses_an_actor_that_is_neither_a_user_nor_the_operator(
    world: World,
) -> None:
    register(world)
    with pytest.raises(TypeError, match="needs its actor"):
        world.container.deactivate_user().execute(
            SetUserActiveCommand(actor=None, user="alice")  # type: ignore[arg-type]
        )


def test_creating_an_admin_is_audited(world: World) -> None:
    admin = create_admin(world)  # by the operator, as `tessera users create-admin` does
    created = [event for event in audit_events(world) if event.event_type == "admin_created"]
    assert [event.user_id for event in created] == [admin.id]
    assert "admin_created" in world.security_log.types()


def test_a_refusal_is_audited_by_the_use_case_whichever_interface_asked(world: World) -> None:
    user = register(world)
    world.security_log.events.clear()

    with pytest.raises(AdminRequired):
        world.container.change_role().execute(
            ChangeRoleCommand(actor=user, user="alice", role=Role.ADMIN)
        )

    denials = [e for e in audit_events(world) if e.event_type == "permission_denied"]
    assert [(e.user_id, e.details) for e in denials] == [(user.id, {"code": "admin_required"})]
    assert world.security_log.types() == ["permission_denied"]
