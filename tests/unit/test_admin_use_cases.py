import pytest

from application.errors import PasswordPolicyViolation
from application.services.authorization import OPERATOR
from application.use_cases.admin.change_role import ChangeRoleCommand
from application.use_cases.admin.delete_user import DeleteUserCommand
from application.use_cases.admin.get_any_user import GetAnyUserQuery
from application.use_cases.admin.list_all_users import ListAllUsersQuery
from application.use_cases.admin.set_user_active import (
    SetUserActiveCommand,
)
from domain.errors import AdminRequired, LastAdmin, UserNotFound
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
    deactivated = world.container.deactivate_user().execute(
        SetUserActiveCommand(actor=OPERATOR, user="ALICE")
    )
    assert not deactivated.is_active
    assert stored(world, user).token_version == 1
    with world.uow() as uow:
        revoked = uow.sessions.get(session.id)
    assert revoked is not None
    assert revoked.is_revoked
    activated = world.container.activate_user().execute(
        SetUserActiveCommand(actor=OPERATOR, user=str(user.id))
    )
    assert activated.is_active
    assert stored(world, user).is_active


def test_unknown_user_is_not_found(world: World) -> None:
    with pytest.raises(UserNotFound):
        world.container.activate_user().execute(SetUserActiveCommand(actor=OPERATOR, user="ghost"))


def test_the_last_admin_cannot_be_deactivated(world: World) -> None:
    admin = create_admin(world)
    with pytest.raises(LastAdmin):
        world.container.deactivate_user().execute(SetUserActiveCommand(actor=OPERATOR, user="root"))
    assert stored(world, admin).is_active


def test_list_all_users_includes_inactive_and_filters_by_role(world: World) -> None:
    create_admin(world)
    user = register(world)
    world.container.deactivate_user().execute(
        SetUserActiveCommand(actor=OPERATOR, user=str(user.id))
    )
    use_case = world.container.list_all_users()
    assert {u.username for u in use_case.execute(ListAllUsersQuery(actor=OPERATOR)).items} == {
        "root",
        "alice",
    }
    assert [
        u.username
        for u in use_case.execute(ListAllUsersQuery(actor=OPERATOR, role=Role.ADMIN)).items
    ] == ["root"]
    active_only = use_case.execute(ListAllUsersQuery(actor=OPERATOR, include_inactive=False)).items
    assert [u.username for u in active_only] == ["root"]


class TestAdminActions:
    def test_ordinary_users_are_refused_every_admin_action(self, world: World) -> None:
        create_admin(world)
        user = register(world)
        other = register(world, "bob")
        with pytest.raises(AdminRequired):
            world.container.list_all_users().execute(ListAllUsersQuery(actor=user))
        with pytest.raises(AdminRequired):
            world.container.get_any_user().execute(GetAnyUserQuery(actor=user, user=str(other.id)))
        with pytest.raises(AdminRequired):
            world.container.deactivate_user().execute(
                SetUserActiveCommand(actor=user, user=str(other.id))
            )
        with pytest.raises(AdminRequired):
            world.container.change_role().execute(
                ChangeRoleCommand(actor=user, user=str(user.id), role=Role.ADMIN)
            )
        with pytest.raises(AdminRequired):
            world.container.delete_user().execute(DeleteUserCommand(actor=user, user=str(other.id)))
        assert stored(world, user).role is Role.USER
        assert stored(world, other).is_active

    def test_role_change_revokes_tokens_and_guards_the_last_admin(self, world: World) -> None:
        admin = create_admin(world)
        user = register(world)
        change = world.container.change_role()
        promoted = change.execute(
            ChangeRoleCommand(actor=admin, user=str(user.id), role=Role.ADMIN)
        )
        assert (promoted.role, promoted.token_version) == (Role.ADMIN, 1)
        change.execute(ChangeRoleCommand(actor=promoted, user=str(admin.id), role=Role.USER))
        with pytest.raises(LastAdmin):
            change.execute(
                ChangeRoleCommand(actor=stored(world, user), user=str(user.id), role=Role.USER)
            )
        assert stored(world, user).role is Role.ADMIN

    def test_delete_user_cascades_and_guards_the_last_admin(self, world: World) -> None:
        admin = create_admin(world)
        user = register(world)
        session = log_in(world).session
        with pytest.raises(LastAdmin):
            world.container.delete_user().execute(
                DeleteUserCommand(actor=admin, user=str(admin.id))
            )
        world.container.delete_user().execute(DeleteUserCommand(actor=admin, user=str(user.id)))
        with world.uow() as uow:
            assert uow.users.get(user.id) is None
            assert uow.sessions.get(session.id) is None
        with pytest.raises(UserNotFound):
            world.container.get_any_user().execute(GetAnyUserQuery(actor=admin, user=str(user.id)))
