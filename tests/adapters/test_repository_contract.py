"""One contract for the repository and unit-of-work ports, run against every adapter."""

import uuid
from collections.abc import Callable
from dataclasses import fields, replace
from datetime import UTC, datetime, timedelta, timezone

import pytest

from application.pagination import PageKey
from application.ports.repositories import UserFilter
from application.ports.unit_of_work import UnitOfWork
from domain.errors import EmailTaken, UsernameTaken
from domain.sessions import AuthSession
from domain.users import Role, User
from infrastructure.persistence.sqlalchemy import SqlAlchemyUnitOfWork
from infrastructure.persistence.transaction_slot import TransactionSlot
from tests.adapters.builders import (
    KEY_VIOLATION,
    T0,
    UnitOfWorkFactory,
    add_users,
    make_session,
    make_user,
)
from tests.adapters.lock_races import race_against_held_lock


def get_user(uow_factory: UnitOfWorkFactory, user_id: uuid.UUID) -> User | None:
    with uow_factory() as uow:
        return uow.users.get(user_id)


def get_session(uow_factory: UnitOfWorkFactory, session_id: uuid.UUID) -> AuthSession | None:
    with uow_factory() as uow:
        return uow.sessions.get(session_id)


def list_usernames(
    uow_factory: UnitOfWorkFactory,
    user_filter: UserFilter = UserFilter(),  # noqa: B008 - frozen, so safe to share
    *,
    limit: int = 100,
    after: PageKey | None = None,
) -> list[str]:
    with uow_factory() as uow:
        return [user.username for user in uow.users.list(user_filter, limit=limit, after=after)]


# --- users: adding and finding ---------------------------------------------------------------


def test_an_added_user_is_found_by_id_by_username_in_any_case_and_by_email(uow_factory):
    alice = make_user("Alice", full_name="Alice Martin")
    add_users(uow_factory, alice)

    with uow_factory() as uow:
        assert uow.users.get(alice.id) == alice
        assert uow.users.get_by_username("ALICE") == alice
        assert uow.users.get_by_username("alice") == alice
        assert uow.users.get_by_email("alice@example.com") == alice
        found = uow.users.get_by_username("aLiCe")
    assert found is not None
    assert found.username == "Alice"


def test_lookups_of_unknown_users_find_nothing(uow_factory):
    add_users(uow_factory, make_user("Alice"))

    with uow_factory() as uow:
        assert uow.users.get(uuid.uuid4()) is None
        assert uow.users.get_by_username("Alic") is None
        assert uow.users.get_by_email("bob@example.com") is None


@pytest.mark.parametrize(
    ("newcomer", "error"),
    [
        (lambda: make_user("aLICE", "other@example.com"), UsernameTaken),
        (lambda: make_user("Bob", "alice@example.com"), EmailTaken),
    ],
    ids=["username-any-case", "email"],
)
def test_add_refuses_a_taken_username_or_email(uow_factory, newcomer, error):
    add_users(uow_factory, make_user("Alice", "alice@example.com"))

    with uow_factory() as uow, pytest.raises(error):
        uow.users.add(newcomer())


@pytest.mark.parametrize(
    ("change", "error"),
    [
        (lambda bob: replace(bob, username="ALICE"), UsernameTaken),
        (lambda bob: replace(bob, email="alice@example.com"), EmailTaken),
    ],
    ids=["username-any-case", "email"],
)
def test_update_refuses_a_taken_username_or_email(uow_factory, change, error):
    bob = make_user("Bob")
    add_users(uow_factory, make_user("Alice"), bob)

    with uow_factory() as uow, pytest.raises(error):
        uow.users.update(change(bob))
    assert get_user(uow_factory, bob.id) == bob


def test_a_user_may_keep_their_own_email_and_recase_their_own_username(uow_factory):
    alice = make_user("Alice")
    add_users(uow_factory, alice)
    recased = replace(alice, username="ALICE")

    with uow_factory() as uow:
        uow.users.update(recased)
        uow.commit()

    assert get_user(uow_factory, alice.id) == recased


def test_a_refused_write_leaves_the_unit_of_work_usable(uow_factory):
    alice, bob = make_user("Alice"), make_user("Bob")
    duplicate = make_user("alice", "another@example.com")

    with uow_factory() as uow:
        uow.users.add(alice)
        with pytest.raises(UsernameTaken):
            uow.users.add(duplicate)
        uow.users.add(bob)
        uow.commit()

    assert get_user(uow_factory, alice.id) == alice
    assert get_user(uow_factory, bob.id) == bob
    assert get_user(uow_factory, duplicate.id) is None


# --- transactions --------------------------------------------------------------------------


def test_nothing_is_kept_without_commit(uow_factory):
    alice = make_user("Alice")

    with uow_factory() as uow:
        uow.users.add(alice)
        assert uow.users.get(alice.id) == alice

    assert get_user(uow_factory, alice.id) is None


def test_an_exception_rolls_back_every_write_of_the_unit_of_work(uow_factory):
    alice = make_user("Alice")
    add_users(uow_factory, alice)
    bob = make_user("Bob")

    def fail_midway() -> None:
        with uow_factory() as uow:
            uow.users.add(bob)
            uow.users.update(replace(alice, full_name="Changed"))
            uow.sessions.add(make_session(alice))
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        fail_midway()

    assert get_user(uow_factory, bob.id) is None
    assert get_user(uow_factory, alice.id) == alice


def test_writes_after_a_commit_need_a_commit_of_their_own(uow_factory):
    alice, bob = make_user("Alice"), make_user("Bob")

    with uow_factory() as uow:
        uow.users.add(alice)
        uow.commit()
        uow.users.add(bob)

    assert get_user(uow_factory, alice.id) == alice
    assert get_user(uow_factory, bob.id) is None


def test_a_unit_of_work_can_be_entered_again_after_it_exits(uow_factory):
    alice = make_user("Alice")
    uow = uow_factory()

    with uow:
        uow.users.add(alice)
        uow.commit()
    with uow:
        found = uow.users.get(alice.id)
        assert found == alice
        uow.users.update(replace(alice, full_name="Second"))
        uow.commit()
    with uow:
        found = uow.users.get(alice.id)

    assert found is not None
    assert found.full_name == "Second"


def test_a_unit_of_work_cannot_be_entered_twice_at_once(uow_factory):
    uow = uow_factory()

    with uow:
        with pytest.raises(RuntimeError):
            uow.__enter__()
        uow.users.add(make_user("Alice"))
        uow.commit()

    assert list_usernames(uow_factory) == ["Alice"]


def test_repositories_work_only_inside_the_with_block(uow_factory):
    uow = uow_factory()

    with pytest.raises(RuntimeError):
        uow.users.get(uuid.uuid4())
    with pytest.raises(RuntimeError):
        uow.commit()


# --- copies --------------------------------------------------------------------------------


def test_the_store_keeps_copies_not_the_callers_objects(uow_factory):
    alice = make_user("Alice", full_name="Alice Martin")

    with uow_factory() as uow:
        uow.users.add(alice)
        alice.full_name = "Changed after add"
        found = uow.users.get(alice.id)
        assert found is not None
        found.full_name = "Changed after get"
        again = uow.users.get(alice.id)
        assert again is not None
        assert again.full_name == "Alice Martin"
        uow.commit()

    stored = get_user(uow_factory, alice.id)
    assert stored is not None
    assert stored.full_name == "Alice Martin"
    assert stored is not get_user(uow_factory, alice.id)


def test_a_returned_session_is_a_copy(uow_factory):
    alice = make_user("Alice")
    session = make_session(alice)
    with uow_factory() as uow:
        uow.users.add(alice)
        uow.sessions.add(session)
        found = uow.sessions.get(session.id)
        assert found is not None
        found.revoke(T0)
        uow.commit()

    stored = get_session(uow_factory, session.id)
    assert stored is not None
    assert stored.revoked_at is None


# --- users: update and delete --------------------------------------------------------------


def test_update_stores_every_field(uow_factory):
    alice = make_user("Alice", full_name="Alice Martin")
    add_users(uow_factory, alice)
    later = T0 + timedelta(days=3, microseconds=7)
    changed = User(
        id=alice.id,
        username="Alicia",
        email="alicia@example.org",
        password_hash="another-hash",
        full_name="Alicia Martin",
        role=Role.ADMIN,
        is_active=False,
        email_verified=True,
        token_version=4,
        created_at=T0 - timedelta(days=1),
        updated_at=later,
        mfa_enabled=True,
        has_password=False,
    )
    unchanged = [f.name for f in fields(User) if getattr(changed, f.name) == getattr(alice, f.name)]
    assert unchanged == ["id"]

    with uow_factory() as uow:
        uow.users.update(changed)
        uow.commit()

    assert get_user(uow_factory, alice.id) == changed


def test_updating_an_unknown_user_stores_nothing(uow_factory):
    ghost = make_user("Ghost")

    with uow_factory() as uow:
        uow.users.update(ghost)
        uow.commit()

    assert get_user(uow_factory, ghost.id) is None


def test_deleting_a_user_deletes_their_sessions_and_refresh_tokens_only(uow_factory):
    alice, bob = make_user("Alice"), make_user("Bob")
    alice_session, bob_session = make_session(alice), make_session(bob)
    with uow_factory() as uow:
        for user, session, token_hash in [(alice, alice_session, "a"), (bob, bob_session, "b")]:
            uow.users.add(user)
            uow.sessions.add(session)
            uow.sessions.add_refresh_token(session.id, token_hash * 64, T0)
        uow.commit()

    with uow_factory() as uow:
        uow.users.delete(alice.id)
        uow.commit()

    assert get_user(uow_factory, alice.id) is None
    assert get_session(uow_factory, alice_session.id) is None
    assert get_user(uow_factory, bob.id) == bob
    assert get_session(uow_factory, bob_session.id) == bob_session
    with uow_factory() as uow:
        # Alice's token hash is free again, so its row is gone; Bob's is still taken.
        uow.users.add(alice)
        uow.sessions.add(alice_session)
        uow.sessions.add_refresh_token(alice_session.id, "a" * 64, T0)
        with pytest.raises(KEY_VIOLATION):
            uow.sessions.add_refresh_token(bob_session.id, "b" * 64, T0)


def test_deleting_an_unknown_user_changes_nothing(uow_factory):
    alice = make_user("Alice")
    add_users(uow_factory, alice)

    with uow_factory() as uow:
        uow.users.delete(uuid.uuid4())
        uow.commit()

    assert get_user(uow_factory, alice.id) == alice


# --- admins --------------------------------------------------------------------------------


def test_count_active_admins_counts_only_admins_who_are_active(uow_factory):
    add_users(
        uow_factory,
        make_user("root", role=Role.ADMIN),
        make_user("boss", role=Role.ADMIN),
        make_user("retired", role=Role.ADMIN, is_active=False),
        make_user("plain", role=Role.USER),
    )

    with uow_factory() as uow:
        assert uow.users.count_active_admins() == 2


def test_concurrent_demotions_cannot_remove_the_last_admin(uow_factory):
    """The first demotion counts the admins (which locks them) and holds its transaction open;
    the second, meanwhile, must wait for it and then count what it committed, not a stale 2."""
    first, second = make_user("first", role=Role.ADMIN), make_user("second", role=Role.ADMIN)
    add_users(uow_factory, first, second)
    outcomes: dict[str, str] = {}

    def demote(uow: UnitOfWork, admin: User) -> Callable[[], None]:
        admins = uow.users.count_active_admins()
        held = uow.users.get_for_update(admin.id)
        assert held is not None

        def write() -> None:
            if admins <= 1:
                outcomes[admin.username] = "refused"
                return
            uow.users.update(replace(held, role=Role.USER))
            outcomes[admin.username] = "demoted"

        return write

    race_against_held_lock(
        uow_factory,
        lambda uow: demote(uow, first),
        lambda uow: demote(uow, second)(),
    )

    assert outcomes == {"first": "demoted", "second": "refused"}
    with uow_factory() as uow:
        assert uow.users.count_active_admins() == 1


# --- users: lists --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("user_filter", "expected"),
    [
        (UserFilter(), ["retired-admin", "admin", "retired", "plain"]),
        (UserFilter(active=True), ["admin", "plain"]),
        (UserFilter(active=False), ["retired-admin", "retired"]),
        (UserFilter(role=Role.ADMIN), ["retired-admin", "admin"]),
        (UserFilter(role=Role.USER, active=False), ["retired"]),
        (UserFilter(active=True, search="PLA"), ["plain"]),
    ],
)
def test_list_filters_by_active_role_and_search(uow_factory, user_filter, expected):
    add_users(
        uow_factory,
        make_user("plain"),
        make_user("retired", is_active=False, created_at=T0 + timedelta(seconds=1)),
        make_user("admin", role=Role.ADMIN, created_at=T0 + timedelta(seconds=2)),
        make_user(
            "retired-admin", role=Role.ADMIN, is_active=False, created_at=T0 + timedelta(seconds=3)
        ),
    )

    assert list_usernames(uow_factory, user_filter) == expected


@pytest.mark.parametrize(
    ("search", "expected"),
    [
        ("ali", ["Alice"]),
        ("MARTIN", ["bob", "Alice"]),
        ("%", ["dave"]),
        ("0% d", ["dave"]),
        ("_", ["carol_x"]),
        ("l_x", ["carol_x"]),
        ("a%e", []),
        ("c_rol", []),
        ("ÉMILE", ["erin"]),
        ("zz", []),
    ],
)
def test_search_is_a_case_insensitive_literal_substring_of_username_or_full_name(
    uow_factory, search, expected
):
    add_users(
        uow_factory,
        make_user("Alice", full_name="Alice Martin"),
        make_user("bob", full_name="Robert MARTINEZ", created_at=T0 + timedelta(seconds=1)),
        make_user("carol_x", created_at=T0 + timedelta(seconds=2)),
        make_user("dave", full_name="100% Dave", created_at=T0 + timedelta(seconds=3)),
        make_user("erin", full_name="Émile Zola", created_at=T0 + timedelta(seconds=4)),
    )

    assert list_usernames(uow_factory, UserFilter(search=search)) == expected


# --- timestamps ----------------------------------------------------------------------------


def test_timestamps_come_back_aware_in_utc_and_equal_to_what_was_stored(uow_factory):
    kolkata = timezone(timedelta(hours=5, minutes=30))
    alice = make_user("Alice", created_at=datetime(2024, 2, 29, 23, 59, 59, 999999, tzinfo=kolkata))
    session = make_session(alice, now=T0.astimezone(kolkata))
    session.revoke(T0.astimezone(kolkata))
    with uow_factory() as uow:
        uow.users.add(alice)
        uow.sessions.add(session)
        uow.commit()

    stored_user = get_user(uow_factory, alice.id)
    stored_session = get_session(uow_factory, session.id)
    assert stored_user == alice
    assert stored_session == session
    assert stored_user is not None
    assert stored_session is not None
    instants: list[datetime | None] = [stored_user.created_at, stored_user.updated_at]
    instants += [stored_session.created_at, stored_session.idle_expires_at]
    instants += [stored_session.last_used_at, stored_session.revoked_at]
    assert all(instant is not None and instant.tzinfo is UTC for instant in instants)


# --- sessions ------------------------------------------------------------------------------


def test_a_session_is_stored_and_found_by_id(uow_factory):
    alice = make_user("Alice")
    session = make_session(alice)
    with uow_factory() as uow:
        uow.users.add(alice)
        uow.sessions.add(session)
        uow.commit()

    assert get_session(uow_factory, session.id) == session
    assert get_session(uow_factory, uuid.uuid4()) is None


def test_session_update_stores_every_field(uow_factory):
    alice, bob = make_user("Alice"), make_user("Bob")
    session = make_session(alice)
    with uow_factory() as uow:
        uow.users.add(alice)
        uow.users.add(bob)
        uow.sessions.add(session)
        uow.commit()
    changed = AuthSession(
        id=session.id,
        user_id=bob.id,
        created_at=T0 - timedelta(hours=1),
        last_used_at=T0 + timedelta(hours=1),
        idle_expires_at=T0 + timedelta(days=8),
        absolute_expires_at=T0 + timedelta(days=31),
        user_agent="curl/8",
        ip="::1",
        revoked_at=T0 + timedelta(hours=2),
    )
    unchanged = [
        f.name for f in fields(AuthSession) if getattr(changed, f.name) == getattr(session, f.name)
    ]
    assert unchanged == ["id"]

    with uow_factory() as uow:
        uow.sessions.update(changed)
        uow.commit()

    assert get_session(uow_factory, session.id) == changed


def test_revoke_all_for_user_revokes_only_that_users_live_sessions(uow_factory):
    alice, bob = make_user("Alice"), make_user("Bob")
    live, revoked, bobs = make_session(alice), make_session(alice), make_session(bob)
    revoked.revoke(T0)
    with uow_factory() as uow:
        uow.users.add(alice)
        uow.users.add(bob)
        for session in (live, revoked, bobs):
            uow.sessions.add(session)
        uow.commit()
    later = T0 + timedelta(hours=1)

    with uow_factory() as uow:
        uow.sessions.revoke_all_for_user(alice.id, later)
        uow.commit()

    assert get_session(uow_factory, live.id) == replace(live, revoked_at=later)
    assert get_session(uow_factory, revoked.id) == revoked
    assert get_session(uow_factory, bobs.id) == bobs


def test_revoke_all_for_user_may_spare_the_callers_own_session(uow_factory):
    alice = make_user("Alice")
    own, other = make_session(alice), make_session(alice)
    with uow_factory() as uow:
        uow.users.add(alice)
        uow.sessions.add(own)
        uow.sessions.add(other)
        uow.commit()
    later = T0 + timedelta(hours=1)

    with uow_factory() as uow:
        uow.sessions.revoke_all_for_user(alice.id, later, except_session=own.id)
        uow.commit()

    assert get_session(uow_factory, own.id) == own
    assert get_session(uow_factory, other.id) == replace(other, revoked_at=later)


def test_a_session_needs_an_existing_user(uow_factory):
    with uow_factory() as uow, pytest.raises(KEY_VIOLATION):
        uow.sessions.add(make_session(make_user("Ghost")))


def test_a_refresh_token_needs_an_existing_session(uow_factory):
    with uow_factory() as uow, pytest.raises(KEY_VIOLATION):
        uow.sessions.add_refresh_token(uuid.uuid4(), "c" * 64, T0)


def test_a_refresh_token_hash_is_recorded_once(uow_factory):
    alice = make_user("Alice")
    first, second = make_session(alice), make_session(alice)
    with uow_factory() as uow:
        uow.users.add(alice)
        uow.sessions.add(first)
        uow.sessions.add(second)
        uow.sessions.add_refresh_token(first.id, "d" * 64, T0)
        uow.sessions.add_refresh_token(first.id, "e" * 64, T0)
        with pytest.raises(KEY_VIOLATION):
            uow.sessions.add_refresh_token(second.id, "d" * 64, T0)
        uow.commit()

    with uow_factory() as uow:
        # Both hashes of the first session were kept.
        for token_hash in ("d", "e"):
            with pytest.raises(KEY_VIOLATION):
                uow.sessions.add_refresh_token(first.id, token_hash * 64, T0)


# --- read-only units of work ----------------------------------------------------------------


def test_a_read_only_unit_of_work_reads_and_refuses_to_commit(uow_factory):
    alice = make_user("Alice")
    add_users(uow_factory, alice)
    uow = uow_factory()

    with uow.read_only():
        assert uow.users.get(alice.id) == alice
        with pytest.raises(RuntimeError, match="read-only"):
            uow.commit()

    # The mode lasts one transaction: the next one may write again.
    bob = make_user("Bob")
    with uow:
        uow.users.add(bob)
        uow.commit()
    assert get_user(uow_factory, bob.id) == bob


def test_a_read_only_unit_of_work_reads_while_a_writer_holds_its_transaction(sql_engine):
    """Readers take no write lock and (SQLite in WAL mode) never wait for the writer, who here
    waits for them in the same thread: a reader that queued would fail with "database is
    locked" once the busy timeout ran out. They see the last committed state."""
    alice = make_user("Alice")
    add_users(lambda: SqlAlchemyUnitOfWork(sql_engine), alice)
    writer = SqlAlchemyUnitOfWork(sql_engine)
    with writer:
        writer.users.update(replace(alice, full_name="Pending"))
        reader = SqlAlchemyUnitOfWork(sql_engine)
        with reader.read_only():
            seen = reader.users.get(alice.id)
        writer.commit()
    assert seen == alice


def test_a_read_only_mark_is_claimed_by_one_enter_only():
    """Claimed as a unit of work is entered, so an enter that fails (no database) cannot leave
    the mark to make a later, writing transaction read-only."""
    slot: TransactionSlot[object] = TransactionSlot()
    slot.expect_read_only()
    assert slot.claim_read_only() is True
    assert slot.claim_read_only() is False
    slot.fill(object())
    slot.ensure_writable()  # filled without the mark: writable
