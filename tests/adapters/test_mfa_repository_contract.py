"""Authenticators, recovery codes and the second steps of logins, on every adapter."""

import threading
from dataclasses import replace
from datetime import UTC, timedelta, timezone

import pytest

from domain.mfa import MFA_TOKEN_LIFETIME
from domain.users import User
from tests.adapters.builders import (
    KEY_VIOLATION,
    T0,
    UnitOfWorkFactory,
    add_users,
    make_mfa_token,
    make_recovery_code,
    make_totp_factor,
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


# --- authenticators -----------------------------------------------------------------------


def test_a_factor_keeps_every_field_and_comes_back_in_utc(uow_factory, alice):
    factor = make_totp_factor(alice, now=T0.astimezone(KOLKATA))
    factor.confirm(59_000_000, LATER.astimezone(KOLKATA))
    with uow_factory() as uow:
        uow.totp_factors.add(factor)
        uow.commit()

    with uow_factory() as uow:
        found = uow.totp_factors.get(alice.id)
        assert uow.totp_factors.get_for_update(alice.id) == found

    assert found == factor
    assert found is not None
    assert (found.created_at.tzinfo, found.confirmed_at and found.confirmed_at.tzinfo) == (UTC, UTC)


def test_one_factor_per_user(uow_factory, alice):
    with uow_factory() as uow:
        uow.totp_factors.add(make_totp_factor(alice))
        uow.commit()
    with uow_factory() as uow, pytest.raises(KEY_VIOLATION):
        uow.totp_factors.add(make_totp_factor(alice))


def test_a_factor_needs_an_existing_user(uow_factory):
    with uow_factory() as uow, pytest.raises(KEY_VIOLATION):
        uow.totp_factors.add(make_totp_factor(make_user("Ghost")))


def test_update_replaces_the_secret_and_records_the_step(uow_factory, alice):
    factor = make_totp_factor(alice)
    with uow_factory() as uow:
        uow.totp_factors.add(factor)
        uow.commit()
    changed = replace(factor, sealed_secret="v1.another", created_at=LATER, last_used_step=7)

    with uow_factory() as uow:
        uow.totp_factors.update(changed)
        uow.commit()

    with uow_factory() as uow:
        assert uow.totp_factors.get(alice.id) == changed


def test_a_used_step_never_moves_back(uow_factory, alice):
    """A stale factor written back (or one that knows no step) cannot make a used code work again."""
    factor = replace(make_totp_factor(alice), last_used_step=100)
    with uow_factory() as uow:
        uow.totp_factors.add(factor)
        uow.commit()

    for stale in (99, None):
        with uow_factory() as uow:
            uow.totp_factors.update(replace(factor, last_used_step=stale))
            uow.commit()
        with uow_factory() as uow:
            stored = uow.totp_factors.get(alice.id)
        assert stored is not None
        assert stored.last_used_step == 100


def test_delete_removes_only_that_users_factor(uow_factory, alice, bob):
    with uow_factory() as uow:
        uow.totp_factors.add(make_totp_factor(alice))
        uow.totp_factors.add(make_totp_factor(bob))
        uow.commit()

    with uow_factory() as uow:
        uow.totp_factors.delete(alice.id)
        uow.commit()

    with uow_factory() as uow:
        assert uow.totp_factors.get(alice.id) is None
        assert uow.totp_factors.get(bob.id) is not None


def test_a_factor_goes_with_its_user(uow_factory, alice):
    with uow_factory() as uow:
        uow.totp_factors.add(make_totp_factor(alice))
        uow.commit()
    with uow_factory() as uow:
        uow.users.delete(alice.id)
        uow.commit()
    with uow_factory() as uow:
        assert uow.totp_factors.get(alice.id) is None


# --- recovery codes -----------------------------------------------------------------------


def test_replace_keeps_only_the_new_codes(uow_factory, alice, bob):
    old = [make_recovery_code(alice) for _ in range(3)]
    bobs = make_recovery_code(bob)
    with uow_factory() as uow:
        uow.recovery_codes.replace(alice.id, old)
        uow.recovery_codes.replace(bob.id, [bobs])
        uow.commit()
    new = [make_recovery_code(alice) for _ in range(2)]

    with uow_factory() as uow:
        uow.recovery_codes.replace(alice.id, new)
        uow.commit()

    with uow_factory() as uow:
        assert uow.recovery_codes.count_unused(alice.id) == 2
        assert uow.recovery_codes.use(alice.id, old[0].code_hash, LATER) is False
        assert uow.recovery_codes.use(alice.id, new[0].code_hash, LATER) is True
        assert uow.recovery_codes.count_unused(bob.id) == 1


def test_a_code_is_used_once_and_only_by_its_user(uow_factory, alice, bob):
    code = make_recovery_code(alice)
    with uow_factory() as uow:
        uow.recovery_codes.replace(alice.id, [code])
        uow.commit()

    with uow_factory() as uow:
        assert uow.recovery_codes.use(bob.id, code.code_hash, LATER) is False
        assert uow.recovery_codes.use(alice.id, code.code_hash, LATER) is True
        assert uow.recovery_codes.use(alice.id, code.code_hash, LATER) is False
        assert uow.recovery_codes.count_unused(alice.id) == 0
        uow.commit()

    with uow_factory() as uow:
        assert uow.recovery_codes.use(alice.id, code.code_hash, LATER) is False


def test_a_use_without_commit_is_rolled_back(uow_factory, alice):
    code = make_recovery_code(alice)
    with uow_factory() as uow:
        uow.recovery_codes.replace(alice.id, [code])
        uow.commit()

    with uow_factory() as uow:
        assert uow.recovery_codes.use(alice.id, code.code_hash, LATER) is True

    with uow_factory() as uow:
        assert uow.recovery_codes.count_unused(alice.id) == 1


def test_of_concurrent_users_of_one_code_exactly_one_succeeds(
    uow_factory: UnitOfWorkFactory, alice: User
) -> None:
    code = make_recovery_code(alice)
    with uow_factory() as uow:
        uow.recovery_codes.replace(alice.id, [code])
        uow.commit()

    def use(start: threading.Barrier) -> bool:
        start.wait()
        with uow_factory() as uow:
            used = uow.recovery_codes.use(alice.id, code.code_hash, LATER)
            uow.commit()
        return used

    assert run_concurrently(20, use).count(True) == 1


def test_delete_for_user_and_the_cascade_remove_the_codes(uow_factory, alice, bob):
    with uow_factory() as uow:
        uow.recovery_codes.replace(alice.id, [make_recovery_code(alice)])
        uow.recovery_codes.replace(bob.id, [make_recovery_code(bob)])
        uow.commit()

    with uow_factory() as uow:
        uow.recovery_codes.delete_for_user(alice.id)
        uow.users.delete(bob.id)
        uow.commit()

    with uow_factory() as uow:
        assert uow.recovery_codes.count_unused(alice.id) == 0
        assert uow.recovery_codes.count_unused(bob.id) == 0


def test_a_code_needs_an_existing_user(uow_factory):
    ghost = make_user("Ghost")
    with uow_factory() as uow, pytest.raises(KEY_VIOLATION):
        uow.recovery_codes.replace(ghost.id, [make_recovery_code(ghost)])


# --- the second steps of logins ---------------------------------------------------------------


def test_a_token_is_found_by_its_hash_with_every_field_in_utc(uow_factory, alice):
    token = make_mfa_token(alice, now=T0.astimezone(KOLKATA))
    with uow_factory() as uow:
        uow.mfa_tokens.add(token)
        uow.commit()

    with uow_factory() as uow:
        found = uow.mfa_tokens.find(token.token_hash)
        assert uow.mfa_tokens.find("0" * 64) is None

    assert found == token
    assert found is not None
    assert found.expires_at == T0 + MFA_TOKEN_LIFETIME
    assert found.expires_at.tzinfo is UTC


def test_a_token_is_spent_once(uow_factory, alice):
    token = make_mfa_token(alice)
    with uow_factory() as uow:
        uow.mfa_tokens.add(token)
        uow.commit()

    with uow_factory() as uow:
        assert uow.mfa_tokens.spend(token.token_hash, LATER) is True
        assert uow.mfa_tokens.spend(token.token_hash, LATER) is False
        assert uow.mfa_tokens.spend("0" * 64, LATER) is False
        uow.commit()

    with uow_factory() as uow:
        assert uow.mfa_tokens.find(token.token_hash) == replace(token, spent_at=LATER)


def test_of_concurrent_spenders_of_one_token_exactly_one_succeeds(
    uow_factory: UnitOfWorkFactory, alice: User
) -> None:
    token = make_mfa_token(alice)
    with uow_factory() as uow:
        uow.mfa_tokens.add(token)
        uow.commit()

    def spend(start: threading.Barrier) -> bool:
        start.wait()
        with uow_factory() as uow:
            spent = uow.mfa_tokens.spend(token.token_hash, LATER)
            uow.commit()
        return spent

    assert run_concurrently(20, spend).count(True) == 1


def test_delete_expired_forgets_only_that_users_expired_tokens(uow_factory, alice, bob):
    old, fresh = make_mfa_token(alice), make_mfa_token(alice, now=T0 + MFA_TOKEN_LIFETIME)
    bobs_old = make_mfa_token(bob)
    with uow_factory() as uow:
        for token in (old, fresh, bobs_old):
            uow.mfa_tokens.add(token)
        uow.commit()

    with uow_factory() as uow:
        uow.mfa_tokens.delete_expired(alice.id, T0 + MFA_TOKEN_LIFETIME)
        uow.commit()

    with uow_factory() as uow:
        assert uow.mfa_tokens.find(old.token_hash) is None
        assert uow.mfa_tokens.find(fresh.token_hash) == fresh
        assert uow.mfa_tokens.find(bobs_old.token_hash) == bobs_old


def test_a_token_goes_with_its_user_and_needs_one(uow_factory, alice):
    token = make_mfa_token(alice)
    with uow_factory() as uow:
        uow.mfa_tokens.add(token)
        uow.users.delete(alice.id)
        uow.commit()
    with uow_factory() as uow:
        assert uow.mfa_tokens.find(token.token_hash) is None
    with uow_factory() as uow, pytest.raises(KEY_VIOLATION):
        uow.mfa_tokens.add(make_mfa_token(make_user("Ghost")))
