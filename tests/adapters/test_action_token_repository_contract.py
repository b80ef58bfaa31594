"""Single-use email tokens (password reset, email verification), on every adapter."""

import threading
from dataclasses import replace
from datetime import UTC, timedelta, timezone

import pytest

from domain.action_tokens import ActionPurpose, ActionToken
from domain.users import User
from tests.adapters.builders import (
    KEY_VIOLATION,
    T0,
    UnitOfWorkFactory,
    add_users,
    make_action_token,
    make_user,
    run_concurrently,
)

RESET, VERIFY = ActionPurpose.RESET_PASSWORD, ActionPurpose.VERIFY_EMAIL
LATER = T0 + timedelta(minutes=10)


def add_tokens(uow_factory: UnitOfWorkFactory, *tokens: ActionToken) -> None:
    with uow_factory() as uow:
        for token in tokens:
            uow.action_tokens.add(token)
        uow.commit()


def find(uow_factory: UnitOfWorkFactory, token: ActionToken) -> ActionToken | None:
    with uow_factory() as uow:
        return uow.action_tokens.find(token.token_hash, token.purpose)


def use_and_commit(uow_factory: UnitOfWorkFactory, token: ActionToken) -> bool:
    with uow_factory() as uow:
        used = uow.action_tokens.use(token.token_hash, LATER)
        uow.commit()
    return used


@pytest.fixture
def alice(uow_factory: UnitOfWorkFactory) -> User:
    user = make_user("Alice")
    add_users(uow_factory, user)
    return user


def test_a_token_is_found_by_its_hash_and_purpose_only(uow_factory, alice):
    reset, verify = make_action_token(alice, RESET), make_action_token(alice, VERIFY)
    add_tokens(uow_factory, reset, verify)

    with uow_factory() as uow:
        assert uow.action_tokens.find(reset.token_hash, RESET) == reset
        assert uow.action_tokens.find(verify.token_hash, VERIFY) == verify
        # A verification token never resets a password, nor the other way round.
        assert uow.action_tokens.find(reset.token_hash, VERIFY) is None
        assert uow.action_tokens.find(verify.token_hash, RESET) is None
        assert uow.action_tokens.find("0" * 64, RESET) is None


def test_every_field_is_kept_and_timestamps_come_back_in_utc(uow_factory, alice):
    kolkata = timezone(timedelta(hours=5, minutes=30))
    token = make_action_token(alice, VERIFY, now=T0.astimezone(kolkata))
    token.used_at = LATER.astimezone(kolkata)
    add_tokens(uow_factory, token)

    found = find(uow_factory, token)

    assert found == token
    assert found is not None
    assert found.email == "alice@example.com"
    assert found.expires_at == T0 + timedelta(hours=48)
    for instant in (found.created_at, found.expires_at, found.used_at):
        assert instant is not None
        assert instant.tzinfo is UTC


def test_a_returned_token_is_a_copy(uow_factory, alice):
    token = make_action_token(alice)
    add_tokens(uow_factory, token)

    with uow_factory() as uow:
        found = uow.action_tokens.find(token.token_hash, token.purpose)
        assert found is not None
        found.used_at = LATER
        assert uow.action_tokens.find(token.token_hash, token.purpose) == token


def test_a_token_is_used_once(uow_factory, alice):
    token = make_action_token(alice)
    add_tokens(uow_factory, token)

    with uow_factory() as uow:
        assert uow.action_tokens.use(token.token_hash, LATER) is True
        assert uow.action_tokens.use(token.token_hash, LATER + timedelta(seconds=1)) is False
        uow.commit()

    assert use_and_commit(uow_factory, token) is False
    # A used token is still found: telling "used" from "unknown" is the use case's business.
    assert find(uow_factory, token) == replace(token, used_at=LATER)


def test_an_unknown_token_cannot_be_used(uow_factory, alice):
    assert use_and_commit(uow_factory, make_action_token(alice)) is False


def test_a_use_without_commit_is_rolled_back(uow_factory, alice):
    token = make_action_token(alice)
    add_tokens(uow_factory, token)

    with uow_factory() as uow:
        assert uow.action_tokens.use(token.token_hash, LATER) is True

    assert find(uow_factory, token) == token


def test_of_concurrent_users_of_one_token_exactly_one_succeeds(uow_factory, alice):
    token = make_action_token(alice)
    add_tokens(uow_factory, token)

    def use(start: threading.Barrier) -> bool:
        start.wait()  # before the unit of work, which memory and SQLite serialise
        return use_and_commit(uow_factory, token)

    outcomes = run_concurrently(20, use)

    assert outcomes.count(True) == 1
    assert find(uow_factory, token) == replace(token, used_at=LATER)


def test_void_for_user_uses_up_only_that_users_unused_tokens_of_that_purpose(uow_factory, alice):
    bob = make_user("Bob")
    add_users(uow_factory, bob)
    pending = [make_action_token(alice, RESET) for _ in range(2)]
    already_used = replace(make_action_token(alice, RESET), used_at=T0 + timedelta(minutes=1))
    untouched = [make_action_token(alice, VERIFY), make_action_token(bob, RESET)]
    add_tokens(uow_factory, *pending, already_used, *untouched)

    with uow_factory() as uow:
        uow.action_tokens.void_for_user(alice.id, RESET, LATER)
        uow.commit()

    for token in pending:
        assert find(uow_factory, token) == replace(token, used_at=LATER)
    for token in (already_used, *untouched):
        assert find(uow_factory, token) == token


def test_deleting_a_user_deletes_their_tokens_only(uow_factory, alice):
    bob = make_user("Bob")
    add_users(uow_factory, bob)
    alices = [make_action_token(alice, RESET), make_action_token(alice, VERIFY)]
    bobs = make_action_token(bob, VERIFY)
    add_tokens(uow_factory, *alices, bobs)

    with uow_factory() as uow:
        uow.users.delete(alice.id)
        uow.commit()

    assert [find(uow_factory, token) for token in alices] == [None, None]
    assert find(uow_factory, bobs) == bobs
    # The hashes are free again, so the rows are gone, not merely hidden.
    add_users(uow_factory, alice)
    add_tokens(uow_factory, *alices)


def test_a_token_needs_an_existing_user(uow_factory):
    with uow_factory() as uow, pytest.raises(KEY_VIOLATION):
        uow.action_tokens.add(make_action_token(make_user("Ghost")))


def test_a_token_hash_is_recorded_once_whatever_the_purpose(uow_factory, alice):
    token = make_action_token(alice, RESET)
    add_tokens(uow_factory, token)

    with uow_factory() as uow:
        with pytest.raises(KEY_VIOLATION):
            uow.action_tokens.add(make_action_token(alice, VERIFY, token_hash=token.token_hash))
        # The refusal leaves the unit of work usable.
        assert uow.action_tokens.find(token.token_hash, RESET) == token
