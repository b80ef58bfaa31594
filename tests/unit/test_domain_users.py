from datetime import UTC, datetime

import pytest

from domain.errors import InvalidField, LastAdmin
from domain.passwords import normalize_password
from domain.users import Role, User, ensure_an_admin_remains, normalize_email, validate_username

NOW = datetime(2026, 1, 1, tzinfo=UTC)


def make_user(role: Role = Role.USER) -> User:
    return User.register(
        username="Alice",
        email="alice@example.com",
        password_hash="h",
        full_name=None,
        now=NOW,
        role=role,
    )


@pytest.mark.parametrize("username", ["abc", "a" * 32, "Al.ice_-9"])
def test_valid_usernames_are_kept_as_given(username: str) -> None:
    assert validate_username(username) == username


@pytest.mark.parametrize(
    "username", ["ab", "a" * 33, "al ice", "al@ice", "ålice", "", "alice\n", "\nalice"]
)
def test_invalid_usernames_are_refused(username: str) -> None:
    with pytest.raises(InvalidField) as error:
        validate_username(username)
    assert error.value.field == "username"


def test_email_is_trimmed_and_lowercased() -> None:
    assert normalize_email("  Alice.Smith@Example.COM ") == "alice.smith@example.com"


@pytest.mark.parametrize(
    "email", ["not-an-email", "a@", "@b.com", "a b@c.com", "x" * 250 + "@e.com"]
)
def test_invalid_emails_are_refused(email: str) -> None:
    with pytest.raises(InvalidField):
        normalize_email(email)


def test_new_user_is_an_active_unverified_user_at_version_zero() -> None:
    user = make_user()
    assert (user.role, user.is_active, user.email_verified, user.token_version) == (
        Role.USER,
        True,
        False,
        0,
    )


def test_changing_the_email_unverifies_it_but_the_same_email_does_not() -> None:
    user = make_user()
    user.email_verified = True
    user.change_email("ALICE@example.com", NOW)
    assert user.email_verified is True
    user.change_email("new@example.com", NOW)
    assert (user.email, user.email_verified) == ("new@example.com", False)


def test_password_change_and_deactivation_revoke_tokens() -> None:
    user = make_user()
    user.change_password_hash("new", NOW)
    user.deactivate(NOW)
    assert user.token_version == 2
    assert user.is_active is False


def test_the_last_active_admin_must_remain() -> None:
    admin = make_user(Role.ADMIN)
    with pytest.raises(LastAdmin):
        ensure_an_admin_remains(admin, active_admin_count=1)
    ensure_an_admin_remains(admin, active_admin_count=2)
    ensure_an_admin_remains(make_user(Role.USER), active_admin_count=1)


def test_password_normalisation_is_nfkc_without_trimming_or_case_folding() -> None:
    assert normalize_password("\ufb01le") == "file"  # the ligature "fi"
    assert normalize_password(" Secret ") == " Secret "
