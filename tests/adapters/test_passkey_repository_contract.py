"""Passkeys and the challenges of their ceremonies, on every adapter."""

import threading
import uuid
from dataclasses import replace
from datetime import UTC, timedelta, timezone

import pytest

from domain.errors import PasskeyAlreadyRegistered
from domain.passkeys import CHALLENGE_LIFETIME, ChallengePurpose
from domain.users import User
from tests.adapters.builders import (
    KEY_VIOLATION,
    T0,
    UnitOfWorkFactory,
    add_users,
    make_challenge,
    make_passkey,
    make_user,
    run_concurrently,
)

LATER = T0 + timedelta(minutes=1)
KOLKATA = timezone(timedelta(hours=5, minutes=30))


@pytest.fixture
def alice(uow_factory: UnitOfWorkFactory) -> User:
    user = make_user("Alice")
    add_users(uow_factory, user)
    return user


@pytest.fixture
def bob(uow_factory: UnitOfWorkFactory) -> User:
    user = make_user("Bob")
    add_users(uow_factory, user)
    return user


# --- passkeys -----------------------------------------------------------------------------


def test_a_passkey_keeps_every_field_and_comes_back_in_utc(uow_factory, alice):
    passkey = make_passkey(alice, now=T0.astimezone(KOLKATA), sign_count=2**32 - 1)
    passkey.last_used_at = LATER.astimezone(KOLKATA)
    with uow_factory() as uow:
        uow.passkeys.add(passkey)
        uow.commit()

    with uow_factory() as uow:
        found = uow.passkeys.get(alice.id, passkey.id)
        by_credential = uow.passkeys.find_by_credential_id(passkey.credential_id)
        locked = uow.passkeys.get_by_credential_id_for_update(passkey.credential_id)

    assert found == by_credential == locked == passkey
    assert found is not None
    assert isinstance(found.credential_id, bytes)
    assert found.transports == ("hybrid", "internal")
    assert (found.created_at.tzinfo, found.last_used_at and found.last_used_at.tzinfo) == (UTC, UTC)


def test_a_passkey_is_found_by_its_owner_only(uow_factory, alice, bob):
    passkey = make_passkey(alice)
    with uow_factory() as uow:
        uow.passkeys.add(passkey)
        uow.commit()

    with uow_factory() as uow:
        assert uow.passkeys.get(bob.id, passkey.id) is None
        assert uow.passkeys.get(alice.id, uuid.uuid4()) is None
        assert uow.passkeys.find_by_credential_id(b"unknown") is None
        assert uow.passkeys.get_by_credential_id_for_update(b"unknown") is None
        assert uow.passkeys.delete(bob.id, passkey.id) is False
        uow.commit()

    with uow_factory() as uow:
        assert uow.passkeys.get(alice.id, passkey.id) == passkey


def test_a_credential_id_is_registered_once_whoever_registers_it(uow_factory, alice, bob):
    passkey = make_passkey(alice)
    with uow_factory() as uow:
        uow.passkeys.add(passkey)
        uow.commit()

    with uow_factory() as uow, pytest.raises(PasskeyAlreadyRegistered):
        uow.passkeys.add(make_passkey(bob, credential_id=passkey.credential_id))
    with uow_factory() as uow:
        assert uow.passkeys.count_for_user(bob.id) == 0


def test_a_passkey_needs_an_existing_user(uow_factory):
    with uow_factory() as uow, pytest.raises(KEY_VIOLATION):
        uow.passkeys.add(make_passkey(make_user("Ghost")))


def test_list_and_count_are_the_users_own_newest_first(uow_factory, alice, bob):
    old = make_passkey(alice, name="Old", now=T0)
    new = make_passkey(alice, name="New", now=LATER)
    bobs = make_passkey(bob)
    with uow_factory() as uow:
        for passkey in (old, new, bobs):
            uow.passkeys.add(passkey)
        uow.commit()

    with uow_factory() as uow:
        assert uow.passkeys.list_for_user(alice.id) == [new, old]
        assert uow.passkeys.count_for_user(alice.id) == 2
        assert uow.passkeys.list_for_user(bob.id) == [bobs]


def test_update_records_a_use_and_a_name(uow_factory, alice):
    passkey = make_passkey(alice)
    with uow_factory() as uow:
        uow.passkeys.add(passkey)
        uow.commit()
    used = replace(passkey, name="Phone", sign_count=5, last_used_at=LATER)

    with uow_factory() as uow:
        uow.passkeys.update(used)
        uow.commit()

    with uow_factory() as uow:
        assert uow.passkeys.get(alice.id, passkey.id) == used


def test_a_counter_never_moves_back(uow_factory, alice):
    """A stale passkey written back cannot make an old signature counter acceptable again."""
    passkey = make_passkey(alice, sign_count=10)
    with uow_factory() as uow:
        uow.passkeys.add(passkey)
        uow.commit()

    with uow_factory() as uow:
        uow.passkeys.update(replace(passkey, sign_count=3, last_used_at=LATER))
        uow.commit()

    with uow_factory() as uow:
        stored = uow.passkeys.get(alice.id, passkey.id)
    assert stored is not None
    assert (stored.sign_count, stored.last_used_at) == (10, LATER)


def test_update_of_another_users_passkey_changes_nothing(uow_factory, alice, bob):
    passkey = make_passkey(alice)
    with uow_factory() as uow:
        uow.passkeys.add(passkey)
        uow.commit()

    with uow_factory() as uow:
        uow.passkeys.update(replace(passkey, user_id=bob.id, name="Stolen"))
        uow.commit()

    with uow_factory() as uow:
        assert uow.passkeys.get(alice.id, passkey.id) == passkey
        assert uow.passkeys.count_for_user(bob.id) == 0


def test_delete_and_delete_for_user_remove_only_the_users_passkeys(uow_factory, alice, bob):
    first, second, bobs = make_passkey(alice), make_passkey(alice), make_passkey(bob)
    with uow_factory() as uow:
        for passkey in (first, second, bobs):
            uow.passkeys.add(passkey)
        uow.commit()

    with uow_factory() as uow:
        assert uow.passkeys.delete(alice.id, first.id) is True
        assert uow.passkeys.delete(alice.id, first.id) is False
        uow.commit()
    with uow_factory() as uow:
        assert uow.passkeys.list_for_user(alice.id) == [second]
        assert uow.passkeys.delete_for_user(alice.id) == 1
        assert uow.passkeys.delete_for_user(alice.id) == 0
        uow.commit()

    with uow_factory() as uow:
        assert uow.passkeys.count_for_user(alice.id) == 0
        assert uow.passkeys.list_for_user(bob.id) == [bobs]


def test_passkeys_go_with_their_user(uow_factory, alice):
    passkey = make_passkey(alice)
    with uow_factory() as uow:
        uow.passkeys.add(passkey)
        uow.commit()
    with uow_factory() as uow:
        uow.users.delete(alice.id)
        uow.commit()
    with uow_factory() as uow:
        assert uow.passkeys.get_by_credential_id_for_update(passkey.credential_id) is None


# --- challenges ---------------------------------------------------------------------------


@pytest.mark.parametrize("bound", [True, False], ids=["bound", "unbound"])
def test_a_challenge_is_found_by_its_hash_with_every_field_in_utc(uow_factory, alice, bound):
    challenge = make_challenge(
        alice if bound else None,
        ChallengePurpose.REGISTRATION if bound else ChallengePurpose.AUTHENTICATION,
        now=T0.astimezone(KOLKATA),
    )
    with uow_factory() as uow:
        uow.webauthn_challenges.add(challenge)
        uow.commit()

    with uow_factory() as uow:
        found = uow.webauthn_challenges.find(challenge.challenge_hash)
        assert uow.webauthn_challenges.find("0" * 64) is None

    assert found == challenge
    assert found is not None
    assert found.expires_at == T0 + CHALLENGE_LIFETIME
    assert found.expires_at.tzinfo is UTC


def test_a_challenge_is_spent_once(uow_factory, alice):
    challenge = make_challenge(alice)
    with uow_factory() as uow:
        uow.webauthn_challenges.add(challenge)
        uow.commit()

    with uow_factory() as uow:
        assert uow.webauthn_challenges.spend(challenge.challenge_hash, LATER) is True
        assert uow.webauthn_challenges.spend(challenge.challenge_hash, LATER) is False
        assert uow.webauthn_challenges.spend("0" * 64, LATER) is False
        uow.commit()

    with uow_factory() as uow:
        assert uow.webauthn_challenges.find(challenge.challenge_hash) == replace(
            challenge, spent_at=LATER
        )


def test_of_concurrent_spenders_of_one_challenge_exactly_one_succeeds(
    uow_factory: UnitOfWorkFactory, alice: User
) -> None:
    challenge = make_challenge(None)
    with uow_factory() as uow:
        uow.webauthn_challenges.add(challenge)
        uow.commit()

    def spend(start: threading.Barrier) -> bool:
        start.wait()
        with uow_factory() as uow:
            spent = uow.webauthn_challenges.spend(challenge.challenge_hash, LATER)
            uow.commit()
        return spent

    assert run_concurrently(20, spend).count(True) == 1


def test_delete_expired_forgets_only_expired_challenges(uow_factory, alice):
    old, fresh = make_challenge(alice), make_challenge(None, now=T0 + CHALLENGE_LIFETIME)
    old_unbound = make_challenge(None)
    with uow_factory() as uow:
        for challenge in (old, fresh, old_unbound):
            uow.webauthn_challenges.add(challenge)
        uow.commit()

    with uow_factory() as uow:
        uow.webauthn_challenges.delete_expired(T0 + CHALLENGE_LIFETIME)
        uow.commit()

    with uow_factory() as uow:
        assert uow.webauthn_challenges.find(old.challenge_hash) is None
        assert uow.webauthn_challenges.find(old_unbound.challenge_hash) is None
        assert uow.webauthn_challenges.find(fresh.challenge_hash) == fresh


def test_a_challenge_goes_with_its_user_and_needs_one(uow_factory, alice):
    challenge = make_challenge(alice, ChallengePurpose.REGISTRATION)
    with uow_factory() as uow:
        uow.webauthn_challenges.add(challenge)
        uow.users.delete(alice.id)
        uow.commit()
    with uow_factory() as uow:
        assert uow.webauthn_challenges.find(challenge.challenge_hash) is None
    with uow_factory() as uow, pytest.raises(KEY_VIOLATION):
        uow.webauthn_challenges.add(make_challenge(make_user("Ghost")))
