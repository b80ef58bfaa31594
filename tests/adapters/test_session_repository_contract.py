"""The session port beyond add/get/update, on every adapter: a session read with its user,
the live sessions of a user, and refresh tokens that can be spent exactly once."""

import threading
import uuid
from dataclasses import replace
from datetime import UTC, timedelta, timezone

import pytest
from sqlalchemy.engine import Engine

from application.ports.repositories import RefreshTokenRecord
from domain.sessions import AuthSession
from domain.users import User
from infrastructure.persistence.sqlalchemy import SqlAlchemyUnitOfWork
from tests.adapters.builders import (
    T0,
    UnitOfWorkFactory,
    make_session,
    make_user,
    run_concurrently,
)

TOKEN = "a" * 64
OTHER_TOKEN = "b" * 64


def add_sessions(
    uow_factory: UnitOfWorkFactory, users: list[User], sessions: list[AuthSession]
) -> None:
    with uow_factory() as uow:
        for user in users:
            uow.users.add(user)
        for session in sessions:
            uow.sessions.add(session)
        uow.commit()


@pytest.fixture
def alice() -> User:
    return make_user("Alice")


@pytest.fixture
def session_with_token(uow_factory: UnitOfWorkFactory, alice: User) -> AuthSession:
    """Alice's session, with the refresh tokens TOKEN and OTHER_TOKEN recorded at T0."""
    session = make_session(alice)
    add_sessions(uow_factory, [alice], [session])
    with uow_factory() as uow:
        uow.sessions.add_refresh_token(session.id, TOKEN, T0)
        uow.sessions.add_refresh_token(session.id, OTHER_TOKEN, T0)
        uow.commit()
    return session


def find_token(uow_factory: UnitOfWorkFactory, token_hash: str) -> RefreshTokenRecord | None:
    with uow_factory() as uow:
        return uow.sessions.find_refresh_token(token_hash)


def spend_and_commit(uow_factory: UnitOfWorkFactory, token_hash: str) -> bool:
    with uow_factory() as uow:
        spent = uow.sessions.spend_refresh_token(token_hash, T0 + timedelta(minutes=1))
        uow.commit()
    return spent


# --- a session with its user ---------------------------------------------------------------


def test_get_with_user_returns_the_session_and_its_user(uow_factory, alice):
    bob = make_user("Bob")
    session = make_session(alice)
    add_sessions(uow_factory, [alice, bob], [session, make_session(bob)])

    with uow_factory() as uow:
        assert uow.sessions.get_with_user(session.id) == (session, alice)
        assert uow.sessions.get_with_user(uuid.uuid4()) is None


def test_get_with_user_finds_nothing_once_the_user_is_deleted(uow_factory, alice):
    session = make_session(alice)
    add_sessions(uow_factory, [alice], [session])

    with uow_factory() as uow:
        uow.users.delete(alice.id)
        assert uow.sessions.get_with_user(session.id) is None


def test_get_with_user_returns_copies(uow_factory, alice):
    session = make_session(alice)
    add_sessions(uow_factory, [alice], [session])

    with uow_factory() as uow:
        found = uow.sessions.get_with_user(session.id)
        assert found is not None
        found[0].revoke(T0)
        found[1].full_name = "Changed"
        assert uow.sessions.get_with_user(session.id) == (session, alice)


# --- a browser session's cookie key ----------------------------------------------------------


def test_a_browser_key_finds_its_session_and_user(uow_factory, alice):
    bob = make_user("Bob")
    session, other = make_session(alice), make_session(bob)
    add_sessions(uow_factory, [alice, bob], [session, other])
    with uow_factory() as uow:
        uow.sessions.add_browser_key(session.id, "a" * 64)
        uow.sessions.add_browser_key(other.id, "b" * 64)
        uow.commit()

    with uow_factory() as uow:
        assert uow.sessions.get_with_user_by_browser_key("a" * 64) == (session, alice)
        assert uow.sessions.get_with_user_by_browser_key("b" * 64) == (other, bob)
        assert uow.sessions.get_with_user_by_browser_key("c" * 64) is None


def test_a_browser_key_goes_with_its_user(uow_factory, alice):
    session = make_session(alice)
    add_sessions(uow_factory, [alice], [session])
    with uow_factory() as uow:
        uow.sessions.add_browser_key(session.id, "a" * 64)
        uow.users.delete(alice.id)
        uow.commit()

    with uow_factory() as uow:
        assert uow.sessions.get_with_user_by_browser_key("a" * 64) is None


# --- live sessions -------------------------------------------------------------------------

NOW = T0 + timedelta(days=3)


def session_at(user: User, created_at_offset: timedelta) -> AuthSession:
    return make_session(user, now=T0 + created_at_offset)


def test_list_live_for_user_leaves_out_revoked_expired_and_other_users_sessions(uow_factory, alice):
    bob = make_user("Bob")
    oldest = session_at(alice, timedelta(0))
    newest = session_at(alice, timedelta(hours=2))
    tied = [session_at(alice, timedelta(hours=1)) for _ in range(3)]
    dead = [
        replace(session_at(alice, timedelta(hours=3)), revoked_at=NOW - timedelta(hours=1)),
        # Each expiry is exclusive: a session is gone at the very instant it expires.
        replace(session_at(alice, timedelta(hours=4)), idle_expires_at=NOW),
        replace(session_at(alice, timedelta(hours=5)), absolute_expires_at=NOW),
        replace(session_at(alice, timedelta(hours=6)), idle_expires_at=NOW - timedelta(hours=1)),
    ]
    add_sessions(uow_factory, [alice, bob], [oldest, *tied, newest, *dead, make_session(bob)])

    with uow_factory() as uow:
        live = uow.sessions.list_live_for_user(alice.id, NOW)

    ties_by_id_descending = sorted(tied, key=lambda session: session.id, reverse=True)
    assert live == [newest, *ties_by_id_descending, oldest]


def test_list_live_for_user_takes_now_in_any_time_zone(uow_factory, alice):
    session = replace(session_at(alice, timedelta(0)), idle_expires_at=NOW)
    add_sessions(uow_factory, [alice], [session])
    elsewhere = timezone(timedelta(hours=-8))
    just_before = (NOW - timedelta(microseconds=1)).astimezone(elsewhere)

    with uow_factory() as uow:
        assert uow.sessions.list_live_for_user(alice.id, just_before) == [session]
        assert uow.sessions.list_live_for_user(alice.id, NOW.astimezone(elsewhere)) == []


def test_list_live_for_user_is_empty_for_a_user_without_sessions(uow_factory, alice):
    add_sessions(uow_factory, [alice], [])

    with uow_factory() as uow:
        assert uow.sessions.list_live_for_user(alice.id, NOW) == []
        assert uow.sessions.list_live_for_user(uuid.uuid4(), NOW) == []


# --- refresh tokens ------------------------------------------------------------------------


def test_a_recorded_refresh_token_is_found_by_its_hash(uow_factory, session_with_token):
    kolkata = timezone(timedelta(hours=5, minutes=30))
    with uow_factory() as uow:
        uow.sessions.add_refresh_token(session_with_token.id, "c" * 64, T0.astimezone(kolkata))
        uow.commit()

    found = find_token(uow_factory, "c" * 64)

    assert found == RefreshTokenRecord(
        token_hash="c" * 64, session_id=session_with_token.id, created_at=T0, spent_at=None
    )
    assert found.created_at.tzinfo is UTC
    assert find_token(uow_factory, "d" * 64) is None


def test_a_refresh_token_is_spent_once(uow_factory, session_with_token):
    later = T0 + timedelta(minutes=5)
    with uow_factory() as uow:
        assert uow.sessions.spend_refresh_token(TOKEN, later) is True
        assert uow.sessions.spend_refresh_token(TOKEN, later + timedelta(seconds=1)) is False
        uow.commit()

    with uow_factory() as uow:
        assert uow.sessions.spend_refresh_token(TOKEN, later + timedelta(seconds=2)) is False
    found = find_token(uow_factory, TOKEN)
    assert found is not None
    assert found.spent_at == later
    assert found.spent_at.tzinfo is UTC


def test_spending_one_token_leaves_the_others_of_the_session_unspent(
    uow_factory, session_with_token
):
    assert spend_and_commit(uow_factory, TOKEN) is True

    other = find_token(uow_factory, OTHER_TOKEN)
    assert other is not None
    assert other.spent_at is None
    assert spend_and_commit(uow_factory, OTHER_TOKEN) is True


def test_an_unknown_refresh_token_cannot_be_spent(uow_factory, session_with_token):
    assert spend_and_commit(uow_factory, "f" * 64) is False
    assert find_token(uow_factory, "f" * 64) is None


def test_a_spend_without_commit_is_rolled_back(uow_factory, session_with_token):
    with uow_factory() as uow:
        assert uow.sessions.spend_refresh_token(TOKEN, T0) is True

    found = find_token(uow_factory, TOKEN)
    assert found is not None
    assert found.spent_at is None
    assert spend_and_commit(uow_factory, TOKEN) is True


def test_of_concurrent_spenders_of_one_token_exactly_one_succeeds(uow_factory, session_with_token):
    def spend(start: threading.Barrier) -> bool:
        # Released before the unit of work begins: the memory store and SQLite let one unit of
        # work in at a time, so a barrier inside one would never open.
        start.wait()
        return spend_and_commit(uow_factory, TOKEN)

    outcomes = run_concurrently(20, spend)

    assert outcomes.count(True) == 1
    assert outcomes.count(False) == 19
    found = find_token(uow_factory, TOKEN)
    assert found is not None
    assert found.spent_at is not None


# Only PostgreSQL runs units of work side by side; `postgresql_engine` needs TEST_POSTGRES_URL.
def test_spenders_who_all_saw_the_token_unspent_still_spend_it_once(postgresql_engine: Engine):
    """What the refresh use case does: read the record, then spend. Every transaction reads
    before any writes, so only the conditional UPDATE can tell them apart."""
    alice = make_user("Alice")
    session = make_session(alice)
    with SqlAlchemyUnitOfWork(postgresql_engine) as uow:
        uow.users.add(alice)
        uow.sessions.add(session)
        uow.sessions.add_refresh_token(session.id, TOKEN, T0)
        uow.commit()

    def read_then_spend(all_have_read: threading.Barrier) -> bool:
        with SqlAlchemyUnitOfWork(postgresql_engine) as uow:
            record = uow.sessions.find_refresh_token(TOKEN)
            assert record is not None
            assert record.spent_at is None
            all_have_read.wait()
            spent = uow.sessions.spend_refresh_token(TOKEN, T0 + timedelta(minutes=1))
            uow.commit()
        return spent

    # Fewer threads than the engine's pool has connections, since all hold one at once.
    outcomes = run_concurrently(10, read_then_spend)

    assert outcomes.count(True) == 1
    assert outcomes.count(False) == 9
