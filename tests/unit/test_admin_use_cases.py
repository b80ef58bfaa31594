import pytest

from application.errors import PasswordPolicyViolation
from application.use_cases.admin.list_all_users import ListAllUsers, ListAllUsersQuery
from application.use_cases.admin.set_user_active import (
    ActivateUser,
    DeactivateUser,
    SetUserActiveCommand,
)
from domain.errors import LastAdmin, UserNotFound
from domain.users import Role
from tests.unit.builders import create_admin, log_in, register, stored
from tests.unit.conftest import World


def test_create_admin_makes_an_active_verified_admin_who_can_log_in(world: World) -> None:
    admin = create_admin(world)
    assert (admin.role, admin.is_active, admin.email_verified) == (Role.ADMIN, True, True)
    assert log_in(world, "root").user.id == admin.id


def test_create_admin_applies_the_password_policy(world: World) -> None:
    with pytest.raises(PasswordPolicyViolation):
        create_admin(world, password="password")


def test_deactivate_and_activate_by_username_or_id(world: World) -> None:
    create_admin(world)
    user = register(world)
    session = log_in(world).session
    deactivated = DeactivateUser(world.uow(), world.clock).execute(SetUserActiveCommand("ALICE"))
    assert not deactivated.is_active
    assert stored(world, user).token_version == 1
    with world.uow() as uow:
        revoked = uow.sessions.get(session.id)
    assert revoked is not None
    assert revoked.is_revoked
    activated = ActivateUser(world.uow(), world.clock).execute(SetUserActiveCommand(str(user.id)))
    assert activated.is_active
    assert stored(world, user).is_active


def test_unknown_user_is_not_found(world: World) -> None:
    with pytest.raises(UserNotFound):
        ActivateUser(world.uow(), world.clock).execute(SetUserActiveCommand("ghost"))


def test_the_last_admin_cannot_be_deactivated(world: World) -> None:
    admin = create_admin(world)
    with pytest.raises(LastAdmin):
        DeactivateUser(world.uow(), world.clock).execute(SetUserActiveCommand("root"))
    assert stored(world, admin).is_active


def test_list_all_users_includes_inactive_and_filters_by_role(world: World) -> None:
    create_admin(world)
    user = register(world)
    DeactivateUser(world.uow(), world.clock).execute(SetUserActiveCommand(str(user.id)))
    use_case = ListAllUsers(world.uow())
    assert {u.username for u in use_case.execute(ListAllUsersQuery()).items} == {"root", "alice"}
    assert [u.username for u in use_case.execute(ListAllUsersQuery(role=Role.ADMIN)).items] == [
        "root"
    ]
    active_only = use_case.execute(ListAllUsersQuery(include_inactive=False)).items
    assert [u.username for u in active_only] == ["root"]
