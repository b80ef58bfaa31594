import os
from pathlib import Path

import pytest
from pydantic import ValidationError

from application.ports.secret_box import SecretUnreadable
from infrastructure import settings as settings_module
from infrastructure.container import build_container
from infrastructure.settings import Settings


def make(**values: object) -> Settings:
    return Settings(_env_file=None, **values)  # type: ignore[arg-type]


def test_development_needs_no_configuration_and_keeps_one_generated_secret(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    first = make().hmac_secret()
    second = make().hmac_secret()
    assert first == second
    assert len(first.encode()) >= 32
    secret_file = tmp_path / settings_module.DEV_SECRET_FILE
    assert secret_file.read_text() == first
    assert secret_file.stat().st_mode & 0o077 == 0  # readable by its owner only


def test_production_refuses_to_start_without_a_secret_key() -> None:
    with pytest.raises(ValidationError, match="SECRET_KEY is required"):
        make(environment="production")


@pytest.mark.parametrize("environment", ["development", "test", "production"])
def test_a_short_secret_key_is_refused_everywhere(environment: str) -> None:
    with pytest.raises(ValidationError, match="at least 32 bytes"):
        make(environment=environment, secret_key="secret")


@pytest.mark.parametrize("environment", ["development", "test", "production"])
@pytest.mark.parametrize("key", ["x" * 40, "changeme-changeme-changeme-changeme"])
def test_a_long_but_guessable_secret_key_is_refused_at_start(environment: str, key: str) -> None:
    # Before, these passed the settings and failed the first login with a 500.
    with pytest.raises(ValidationError, match="well-known or low-entropy"):
        make(environment=environment, secret_key=key)


def test_production_with_a_strong_key_uses_it_and_does_not_migrate() -> None:
    key = "k" * 16 + "0123456789abcdefXYZ"
    settings = make(environment="production", secret_key=key)
    assert settings.hmac_secret() == key
    assert settings.migrate_on_start is False
    assert make(environment="production", secret_key=key, auto_migrate=True).migrate_on_start


def test_the_contract_variable_names_are_read_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DATABASE_URL", "memory://")
    monkeypatch.setenv("ACCESS_TOKEN_EXPIRE_MINUTES", "5")
    monkeypatch.setenv("CORS_ORIGINS", "https://a.example, https://b.example")
    monkeypatch.setenv("TRUSTED_PROXIES", "10.0.0.1")
    monkeypatch.setenv("REQUIRE_EMAIL_VERIFICATION", "true")
    settings = make()
    assert settings.uses_memory_database
    assert settings.access_token_expire_minutes == 5
    assert settings.cors_origin_list == ["https://a.example", "https://b.example"]
    assert settings.trusted_proxy_list == ["10.0.0.1"]
    assert settings.require_email_verification is True
    assert "DATABASE_URL" in os.environ


def test_database_timeouts_have_defaults_of_a_few_seconds_and_are_read_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    defaults = make().database_timeouts
    assert 2 <= defaults.connect_seconds <= 10
    assert 1 <= defaults.statement_seconds <= 10
    assert 1 <= defaults.pool_seconds <= 10

    monkeypatch.setenv("DATABASE_CONNECT_TIMEOUT_SECONDS", "7")
    monkeypatch.setenv("DATABASE_STATEMENT_TIMEOUT_SECONDS", "2.5")
    monkeypatch.setenv("DATABASE_POOL_TIMEOUT_SECONDS", "4")
    timeouts = make().database_timeouts
    assert (timeouts.connect_seconds, timeouts.statement_seconds, timeouts.pool_seconds) == (
        7,
        2.5,
        4,
    )


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("database_connect_timeout_seconds", 0),
        ("database_connect_timeout_seconds", 1),  # libpq would wait 2 s anyway
        ("database_statement_timeout_seconds", 0),
        ("database_statement_timeout_seconds", -1),
        ("database_pool_timeout_seconds", 0),
    ],
)
def test_a_database_timeout_that_is_not_positive_is_refused(name: str, value: float) -> None:
    with pytest.raises(ValidationError, match=name):
        make(**{name: value})


STRONG_KEY = "k" * 16 + "0123456789abcdefXYZ"
OTHER_KEY = "q" * 16 + "9876543210fedcbaUVW"


def test_the_mfa_settings_are_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MFA_ENCRYPTION_KEY", OTHER_KEY)
    monkeypatch.setenv("MFA_REQUIRED_FOR_ADMINS", "true")
    settings = make()
    assert settings.mfa_encryption_key is not None
    assert settings.mfa_encryption_key.get_secret_value() == OTHER_KEY
    assert settings.mfa_required_for_admins is True
    monkeypatch.delenv("MFA_ENCRYPTION_KEY")
    monkeypatch.delenv("MFA_REQUIRED_FOR_ADMINS")
    assert (make().mfa_encryption_key, make().mfa_required_for_admins) == (None, False)


@pytest.mark.parametrize("key", ["short", "x" * 40])
def test_a_weak_mfa_encryption_key_is_refused_at_start(key: str) -> None:
    with pytest.raises(ValidationError, match="MFA_ENCRYPTION_KEY"):
        make(mfa_encryption_key=key)


def sealed_and_reopened(sealing: Settings, opening: Settings) -> str:
    secret = build_container(sealing).secret_box().seal("JBSWY3DPEHPK3PXP", context="alice")
    return build_container(opening).secret_box().open(secret, context="alice")


def test_mfa_encryption_key_outlives_a_secret_key_rotation() -> None:
    before = make(secret_key=STRONG_KEY, mfa_encryption_key=OTHER_KEY + "!")
    after = make(secret_key=OTHER_KEY, mfa_encryption_key=OTHER_KEY + "!")
    assert sealed_and_reopened(before, after) == "JBSWY3DPEHPK3PXP"


def test_without_it_the_key_is_derived_from_the_secret_key() -> None:
    assert sealed_and_reopened(make(secret_key=STRONG_KEY), make(secret_key=STRONG_KEY))
    with pytest.raises(SecretUnreadable):
        sealed_and_reopened(make(secret_key=STRONG_KEY), make(secret_key=OTHER_KEY))
