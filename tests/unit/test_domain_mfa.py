"""The rules of a second factor that need no store: steps used once, tokens that expire."""

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from domain.errors import AdminRequired, MfaEnrollmentRequired
from domain.mfa import MFA_TOKEN_LIFETIME, MfaToken, TotpFactor
from domain.permissions import ensure_admin
from domain.users import Role, User

NOW = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)


def factor() -> TotpFactor:
    return TotpFactor.pending(user_id=uuid.uuid4(), sealed_secret="v1.x", now=NOW)


def test_a_factor_is_pending_until_a_first_step_confirms_it() -> None:
    pending = factor()
    assert not pending.is_confirmed
    assert pending.accepts_step(1)

    pending.confirm(100, NOW)

    assert pending.is_confirmed
    assert (pending.last_used_step, pending.confirmed_at) == (100, NOW)


def test_a_step_is_used_once_and_earlier_steps_never_again() -> None:
    totp = factor()
    totp.confirm(100, NOW)
    assert [totp.accepts_step(step) for step in (99, 100, 101)] == [False, False, True]
    with pytest.raises(ValueError, match="once"):
        totp.use_step(100)
    totp.use_step(102)
    assert not totp.accepts_step(101)


def test_an_mfa_token_is_usable_for_five_minutes_until_spent() -> None:
    token = MfaToken.issue(token_hash="h" * 64, user_id=uuid.uuid4(), token_version=3, now=NOW)
    assert token.expires_at - token.created_at == timedelta(minutes=5)
    assert token.is_usable(NOW + MFA_TOKEN_LIFETIME - timedelta(microseconds=1))
    assert not token.is_usable(NOW + MFA_TOKEN_LIFETIME)
    token.spent_at = NOW
    assert not token.is_usable(NOW)


def user(role: Role, *, mfa_enabled: bool) -> User:
    person = User.register(
        username="someone", email="someone@example.com", password_hash="h", full_name=None, now=NOW
    )
    person.role, person.mfa_enabled = role, mfa_enabled
    return person


def test_admins_may_be_required_to_have_a_second_factor() -> None:
    ensure_admin(user(Role.ADMIN, mfa_enabled=False))
    ensure_admin(user(Role.ADMIN, mfa_enabled=True), second_factor_required=True)
    with pytest.raises(MfaEnrollmentRequired):
        ensure_admin(user(Role.ADMIN, mfa_enabled=False), second_factor_required=True)
    with pytest.raises(AdminRequired):
        ensure_admin(user(Role.USER, mfa_enabled=True), second_factor_required=True)


def test_a_new_account_has_a_password_and_no_second_factor() -> None:
    person = user(Role.USER, mfa_enabled=False)
    assert (person.has_password, person.mfa_enabled) == (True, False)
    person.enable_mfa(NOW + timedelta(seconds=1))
    assert person.mfa_enabled
    assert person.updated_at == NOW + timedelta(seconds=1)
    person.disable_mfa(NOW)
    assert not person.mfa_enabled
