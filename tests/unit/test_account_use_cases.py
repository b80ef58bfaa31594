import uuid
from datetime import timedelta

import pytest

from application.errors import InvalidCurrentPassword, InvalidCursor, PasswordPolicyViolation
from application.services.session_tokens import IssuedTokens
from application.use_cases.account.change_password import ChangePasswordCommand
from application.use_cases.account.deactivate_account import (
    DeactivateAccountCommand,
)
from application.use_cases.account.delete_account import DeleteAccountCommand
from application.use_cases.account.update_profile import UpdateProfileCommand
from application.use_cases.users.list_users import ListUsersQuery
from domain.errors import EmailTaken, LastAdmin, UsernameTaken, UserNotFound
from tests.unit.builders import create_admin, log_in, register, stored
from tests.unit.conftest import STRONG_PASSWORD, World

NEW_PASSWORD = "another fine passphrase 42"


def change_password(world: World, user_id: uuid.UUID, current: str, new: str) -> IssuedTokens:
    use_case = world.container.change_password()
    return use_case.execute(
        ChangePasswordCommand(user_id=user_id, current_password=current, new_password=new)
    )


class TestChangePassword:
    def test_replaces_the_password_and_revokes_every_earlier_session(self, world: World) -> None:
        user = register(world)
        earlier = log_in(world)
        issued = change_password(world, user.id, STRONG_PASSWORD, NEW_PASSWORD)
        saved = stored(world, user)
        assert saved.password_hash == world.hasher.hash(NEW_PASSWORD)
        assert saved.token_version == user.token_version + 1
        with world.uow() as uow:
            old_session = uow.sessions.get(earlier.session.id)
            new_session = uow.sessions.get(issued.session.id)
        assert old_session is not None
        assert old_session.is_revoked
        assert new_session is not None
        assert not new_session.is_revoked
        assert log_in(world, password=NEW_PASSWORD).user.id == user.id

    def test_wrong_current_password_changes_nothing(self, world: World) -> None:
        user = register(world)
        with pytest.raises(InvalidCurrentPassword):
            change_password(world, user.id, "not my password at all", NEW_PASSWORD)
        assert stored(world, user) == user

    @pytest.mark.parametrize("new", [STRONG_PASSWORD, "password123", "short"])
    def test_new_password_must_pass_the_policy_and_differ(self, world: World, new: str) -> None:
        user = register(world)
        with pytest.raises(PasswordPolicyViolation) as error:
            change_password(world, user.id, STRONG_PASSWORD, new)
        assert error.value.field == "new_password"
        assert stored(world, user) == user


class TestDeactivateAndDelete:
    def test_deactivation_needs_the_password_and_revokes_sessions(self, world: World) -> None:
        user = register(world)
        session = log_in(world).session
        use_case = world.container.deactivate_account()
        with pytest.raises(InvalidCurrentPassword):
            use_case.execute(DeactivateAccountCommand(user.id, "not my password at all"))
        assert stored(world, user).is_active
        use_case.execute(DeactivateAccountCommand(user.id, STRONG_PASSWORD))
        saved = stored(world, user)
        assert not saved.is_active
        assert saved.token_version == 1
        with world.uow() as uow:
            revoked = uow.sessions.get(session.id)
        assert revoked is not None
        assert revoked.is_revoked

    def test_the_last_admin_can_neither_deactivate_nor_delete(self, world: World) -> None:
        admin = create_admin(world)
        with pytest.raises(LastAdmin):
            world.container.deactivate_account().execute(
                DeactivateAccountCommand(admin.id, STRONG_PASSWORD)
            )
        with pytest.raises(LastAdmin):
            world.container.delete_account().execute(
                DeleteAccountCommand(admin.id, STRONG_PASSWORD)
            )
        create_admin(world, "second")
        world.container.delete_account().execute(DeleteAccountCommand(admin.id, STRONG_PASSWORD))
        with world.uow() as uow:
            assert uow.users.get(admin.id) is None

    def test_deletion_removes_the_user_and_their_sessions(self, world: World) -> None:
        user = register(world)
        session = log_in(world).session
        use_case = world.container.delete_account()
        with pytest.raises(InvalidCurrentPassword):
            use_case.execute(DeleteAccountCommand(user.id, "not my password at all"))
        use_case.execute(DeleteAccountCommand(user.id, STRONG_PASSWORD))
        with world.uow() as uow:
            assert uow.users.get(user.id) is None
            assert uow.sessions.get(session.id) is None


class TestProfile:
    def test_update_changes_only_what_was_sent(self, world: World) -> None:
        user = register(world, full_name="Alice")
        with world.uow() as uow:
            saved = uow.users.get(user.id)
            assert saved is not None
            saved.email_verified = True
            uow.users.update(saved)
            uow.commit()
        update = world.container.update_profile()
        renamed = update.execute(UpdateProfileCommand(user_id=user.id, username="Alicia"))
        assert (renamed.username, renamed.full_name, renamed.email_verified) == (
            "Alicia",
            "Alice",
            True,
        )
        cleared = update.execute(UpdateProfileCommand(user_id=user.id, full_name=None))
        assert cleared.full_name is None
        moved = update.execute(UpdateProfileCommand(user_id=user.id, email="New@Example.com"))
        assert (moved.email, moved.email_verified) == ("new@example.com", False)
        assert stored(world, user) == moved

    def test_update_refuses_names_taken_by_others(self, world: World) -> None:
        user = register(world, "alice")
        register(world, "bob")
        update = world.container.update_profile()
        with pytest.raises(UsernameTaken):
            update.execute(UpdateProfileCommand(user_id=user.id, username="BOB"))
        with pytest.raises(EmailTaken):
            update.execute(UpdateProfileCommand(user_id=user.id, email="bob@example.com"))
        # One's own name in another case is fine.
        assert update.execute(UpdateProfileCommand(user.id, username="ALICE")).username == "ALICE"


class TestDirectory:
    def test_lists_active_users_newest_first_across_pages(self, world: World) -> None:
        names = []
        for number in range(7):
            world.clock.advance(timedelta(seconds=1))
            names.append(register(world, f"user{number}").username)
        inactive = register(world, "sleeper")
        with world.uow() as uow:
            saved = uow.users.get(inactive.id)
            assert saved is not None
            saved.deactivate(world.clock.now())
            uow.users.update(saved)
            uow.commit()
        use_case = world.container.list_users()
        seen, cursor = [], None
        while True:
            page = use_case.execute(ListUsersQuery(limit=3, cursor=cursor))
            seen += [user.username for user in page.items]
            if page.next_cursor is None:
                break
            cursor = page.next_cursor
        assert seen == list(reversed(names))

    def test_search_is_a_literal_case_insensitive_substring(self, world: World) -> None:
        register(world, "ab_cd")
        register(world, "abxcd", full_name="Percent 100%")
        use_case = world.container.list_users()
        assert [u.username for u in use_case.execute(ListUsersQuery(search="B_C")).items] == [
            "ab_cd"
        ]
        assert [u.username for u in use_case.execute(ListUsersQuery(search="0%")).items] == [
            "abxcd"
        ]

    @pytest.mark.parametrize("cursor", ["garbage", "eyJ0IjoxfQ", "", "!!!"])
    def test_a_malformed_cursor_is_refused(self, world: World, cursor: str) -> None:
        with pytest.raises(InvalidCursor):
            world.container.list_users().execute(ListUsersQuery(cursor=cursor))

    def test_get_user_hides_inactive_users(self, world: World) -> None:
        user = register(world)
        assert world.container.get_user().execute(user.id) == user
        with world.uow() as uow:
            saved = uow.users.get(user.id)
            assert saved is not None
            saved.is_active = False
            uow.users.update(saved)
            uow.commit()
        with pytest.raises(UserNotFound):
            world.container.get_user().execute(user.id)
