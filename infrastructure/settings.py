"""Configuration from environment variables (and an optional `.env`); the names are part of the contract."""

import os
import re
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, Self
from urllib.parse import urlsplit

from dotenv import dotenv_values
from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from redis.connection import parse_url as parse_redis_url
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError

from infrastructure.persistence.sqlalchemy.engine import DatabaseTimeouts
from infrastructure.security.jwt_keys import HMAC_MIN_KEY_BYTES, check_hmac_secret
from infrastructure.security.secret_box import check_key_material

_TIMEOUTS = DatabaseTimeouts()

DEV_SECRET_FILE = Path(".tessera-secret")
ENV_FILE = Path(".env")


_OIDC_NAME = re.compile(r"[a-z][a-z0-9]{0,31}")
_OIDC_FIELDS = ("issuer", "client_id", "client_secret", "display_name", "scopes")


class ProviderUnusable(Exception):
    """An OpenID Connect provider that cannot be used as configured (its discovery failed or
    says too little): a configuration mistake, found at start."""


@dataclass(frozen=True)
class OidcProviderSettings:
    """One OpenID Connect provider, from OIDC_<NAME>_*."""

    name: str
    issuer: str
    client_id: str
    client_secret: str | None
    display_name: str
    scopes: str


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=ENV_FILE, extra="ignore", frozen=True)

    environment: Literal["development", "test", "production"] = "development"
    secret_key: SecretStr | None = None
    secret_key_previous: SecretStr | None = None
    """Earlier HS256 keys, comma-separated: tokens they signed are still accepted."""
    algorithm: Literal["HS256", "RS256", "EdDSA"] = "HS256"
    jwt_private_key_file: str | None = None
    jwt_public_key_file: str | None = None
    jwt_previous_public_key_files: str = ""
    """Earlier RS256/EdDSA public keys (PEM files), comma-separated: still accepted, and published."""
    jwt_issuer: str = "tessera"
    jwt_audience: str = "tessera-api"
    access_token_expire_minutes: int = Field(15, ge=1)
    refresh_token_expire_days: int = Field(7, ge=1)
    session_max_lifetime_days: int = Field(30, ge=1)

    database_url: str = "sqlite:///./tessera.db"
    # PostgreSQL only, the first two; libpq counts a connect timeout of at least 2 s.
    database_connect_timeout_seconds: int = Field(_TIMEOUTS.connect_seconds, ge=2)
    database_statement_timeout_seconds: float = Field(_TIMEOUTS.statement_seconds, gt=0)
    database_pool_timeout_seconds: float = Field(_TIMEOUTS.pool_seconds, gt=0)
    redis_url: str | None = None
    auto_migrate: bool | None = None
    """Unset means: true in development and test, false in production."""

    email_backend: Literal["console", "smtp"] = "console"
    smtp_host: str = "localhost"
    smtp_port: int = 25
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_starttls: bool = False
    email_from: str = "no-reply@localhost"
    public_base_url: str = "http://localhost:8000"
    web_ui: bool = True
    require_email_verification: bool = False

    mfa_encryption_key: SecretStr | None = None
    """Key material for the TOTP secrets at rest; unset: derived from SECRET_KEY (or the JWT
    private key). Set it in production, so that rotating SECRET_KEY keeps the secrets readable."""
    mfa_required_for_admins: bool = False
    webauthn_rp_id: str | None = None
    """The passkeys' relying party ID; unset: the host of PUBLIC_BASE_URL."""
    webauthn_rp_name: str = Field("Tessera", min_length=1)

    login_max_failures: int = Field(5, ge=1)
    login_failure_window_seconds: int = Field(900, ge=1)
    login_max_attempts_per_ip_per_minute: int = Field(60, ge=1)
    password_min_length: int = Field(8, ge=1, le=128)
    password_min_strength: int = Field(2, ge=0, le=4)

    oidc_providers: str = ""
    """OpenID Connect providers, comma-separated names; each is configured by
    OIDC_<NAME>_ISSUER, _CLIENT_ID, _CLIENT_SECRET, _DISPLAY_NAME and _SCOPES."""
    oidc_redirect_allowlist: str = ""
    """The redirect_uri values API clients may ask for at the end of a provider sign-in (exact)."""
    oidc_provider_settings: tuple[OidcProviderSettings, ...] = ()
    """Built from OIDC_PROVIDERS and the OIDC_<NAME>_* variables, never set directly."""

    cors_origins: str = ""
    trusted_proxies: str = ""

    metrics_enabled: bool = False
    metrics_token: SecretStr | None = None
    """When set, /metrics wants `Authorization: Bearer <this token>`."""

    # Argon2id cost; the defaults are RFC 9106's low-memory profile (argon2-cffi's own defaults).
    argon2_time_cost: int = Field(3, ge=1)
    argon2_memory_cost: int = Field(65536, ge=8)
    argon2_parallelism: int = Field(4, ge=1)

    # URLs are judged at start-up, so that a mistyped one stops `tessera serve` with one line
    # rather than answering 500 at the first request that needs it. Messages never repeat the
    # URL itself: it may hold a password.

    @field_validator("database_url")
    @classmethod
    def _database_url_is_usable(cls, url: str) -> str:
        if url.startswith("memory://"):
            return url
        try:
            parsed = make_url(url)
        except (ArgumentError, ValueError):
            raise ValueError(
                "not a database URL; e.g. sqlite:///./tessera.db or "
                "postgresql+psycopg://user:password@host:5432/tessera"
            ) from None
        try:
            dialect = parsed.get_dialect()
            dialect.import_dbapi()
        except (NoSuchModuleError, ImportError):
            raise ValueError(
                f"no database driver for {parsed.drivername!r}; use sqlite or postgresql+psycopg"
            ) from None
        if dialect.is_async:
            raise ValueError(f"{parsed.drivername!r} is an asyncio driver; use postgresql+psycopg")
        return url

    @field_validator("redis_url")
    @classmethod
    def _redis_url_is_usable(cls, url: str | None) -> str | None:
        if not url:
            return None  # REDIS_URL= (empty) means no Redis
        try:
            found = parse_redis_url(url)  # type: ignore[no-untyped-call]
        except ValueError as error:
            raise ValueError(f"not a Redis URL: {error}") from None
        parts = urlsplit(url)
        if "path" not in found and not parts.hostname:
            raise ValueError("a Redis URL names its host: redis://host:6379/0")
        database = parts.path.strip("/")
        if "path" not in found and database and not database.isdigit():
            raise ValueError("the database of a Redis URL is a number: redis://host:6379/0")
        return url

    @field_validator("public_base_url")
    @classmethod
    def _public_base_url_is_a_site(cls, url: str) -> str:
        parts = urlsplit(url)
        try:
            parts.port  # noqa: B018 - raises ValueError for a port that is not one
        except ValueError:
            raise ValueError("the port of PUBLIC_BASE_URL is not a port number") from None
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("must be an http:// or https:// URL with a host")
        if parts.query or parts.fragment or parts.username or parts.password:
            raise ValueError("must be a site's address, without user, query or fragment")
        return url

    @model_validator(mode="before")
    @classmethod
    def _collect_oidc_providers(cls, data: Any) -> Any:
        """OIDC_<NAME>_* have names no field can declare (they depend on OIDC_PROVIDERS): they
        are read here from the values given (keyword arguments, in tests) and the environment.
        A provider that misses its issuer or client id stops the start."""
        if not isinstance(data, dict):
            return data
        given = {str(key).lower(): value for key, value in data.items()}
        # As for the declared settings: the environment first, then a `.env` file.
        dotenv = dotenv_values(ENV_FILE) if ENV_FILE.is_file() else {}
        environment = {key.lower(): value for key, value in {**dotenv, **os.environ}.items()}
        names = _comma_list(str(given.get("oidc_providers") or ""))
        providers = []
        for name in (name.lower() for name in names):
            if not _OIDC_NAME.fullmatch(name):
                raise ValueError(
                    f"OIDC_PROVIDERS: {name!r} is not a provider name (lower-case letters and "
                    "digits, starting with a letter)"
                )
            values = {}
            for field in _OIDC_FIELDS:
                key = f"oidc_{name}_{field}"
                value = given.get(key, environment.get(key))
                values[field] = str(value).strip() if value is not None else ""
            for required in ("issuer", "client_id"):
                if not values[required]:
                    raise ValueError(f"OIDC_{name.upper()}_{required.upper()} is required")
            issuer = urlsplit(values["issuer"])
            if issuer.scheme not in ("http", "https") or not issuer.hostname:
                raise ValueError(f"OIDC_{name.upper()}_ISSUER must be an http(s) URL")
            providers.append(
                OidcProviderSettings(
                    name=name,
                    issuer=values["issuer"].rstrip("/"),
                    client_id=values["client_id"],
                    client_secret=values["client_secret"] or None,
                    display_name=values["display_name"] or name,
                    scopes=values["scopes"] or "openid email profile",
                )
            )
        return {**data, "oidc_provider_settings": tuple(providers)}

    @model_validator(mode="after")
    def _mfa_encryption_key_is_strong(self) -> Self:
        if self.mfa_encryption_key is not None:
            check_key_material(self.mfa_encryption_key.get_secret_value().encode())
        return self

    @model_validator(mode="after")
    def _webauthn_rp_id_fits_the_origin(self) -> Self:
        """WebAuthn accepts an RP ID only if it is the origin's host or a registrable suffix of
        it: any other would make every passkey ceremony fail, so it stops the start instead."""
        host = urlsplit(self.public_base_url).hostname
        if not host:
            raise ValueError("PUBLIC_BASE_URL must be an absolute http(s) URL")
        rp_id = self.webauthn_relying_party_id
        if host != rp_id and not host.endswith(f".{rp_id}"):
            raise ValueError(
                f"WEBAUTHN_RP_ID {rp_id!r} must be the host of PUBLIC_BASE_URL ({host!r}) "
                "or a domain it belongs to"
            )
        return self

    @model_validator(mode="after")
    def _secret_key_is_strong(self) -> Self:
        if self.algorithm != "HS256":
            if self.previous_hmac_secrets:
                raise ValueError(
                    f"SECRET_KEY_PREVIOUS is for HS256; with {self.algorithm}, list the earlier "
                    "public keys in JWT_PREVIOUS_PUBLIC_KEY_FILES"
                )
            return self
        if self.previous_public_key_files:
            raise ValueError(
                "JWT_PREVIOUS_PUBLIC_KEY_FILES is for RS256 and EdDSA; with HS256, list the "
                "earlier secrets in SECRET_KEY_PREVIOUS"
            )
        if self.secret_key is not None:
            # Judged here, at start-up, rather than when the first token is signed (a 500).
            check_hmac_secret(self.secret_key.get_secret_value().encode())
        elif self.environment == "production":
            raise ValueError("SECRET_KEY is required in production")
        for number, previous in enumerate(self.previous_hmac_secrets, start=1):
            try:
                check_hmac_secret(previous.encode())
            except ValueError as error:
                # Which entry, never the key itself.
                raise ValueError(f"SECRET_KEY_PREVIOUS, entry {number}: {error}") from None
        return self

    @property
    def previous_hmac_secrets(self) -> list[str]:
        if self.secret_key_previous is None:
            return []
        return _comma_list(self.secret_key_previous.get_secret_value())

    @property
    def previous_public_key_files(self) -> list[str]:
        return _comma_list(self.jwt_previous_public_key_files)

    @property
    def migrate_on_start(self) -> bool:
        if self.auto_migrate is None:
            return self.environment != "production"
        return self.auto_migrate

    @property
    def uses_memory_database(self) -> bool:
        return self.database_url.startswith("memory://")

    @property
    def database_in_process(self) -> bool:
        """SQLite or the memory store: the database is a library call away, not a network hop."""
        return self.uses_memory_database or self.database_url.startswith("sqlite")

    @property
    def database_timeouts(self) -> DatabaseTimeouts:
        return DatabaseTimeouts(
            connect_seconds=self.database_connect_timeout_seconds,
            statement_seconds=self.database_statement_timeout_seconds,
            pool_seconds=self.database_pool_timeout_seconds,
        )

    @property
    def oidc_redirect_allowed(self) -> frozenset[str]:
        return frozenset(_comma_list(self.oidc_redirect_allowlist))

    @property
    def cors_origin_list(self) -> list[str]:
        return _comma_list(self.cors_origins)

    @property
    def trusted_proxy_list(self) -> list[str]:
        return _comma_list(self.trusted_proxies)

    @property
    def public_base_is_https(self) -> bool:
        return self.public_base_url.lower().startswith("https://")

    @property
    def webauthn_relying_party_id(self) -> str:
        """WEBAUTHN_RP_ID, else the host of PUBLIC_BASE_URL."""
        if self.webauthn_rp_id:
            return self.webauthn_rp_id.strip().lower().rstrip(".")
        return (urlsplit(self.public_base_url).hostname or "").lower()

    @property
    def webauthn_origin(self) -> str:
        """The one origin passkeys are made and used on: PUBLIC_BASE_URL's scheme, host and
        port (the port only when it is not the scheme's default), never a request's."""
        url = urlsplit(self.public_base_url)
        scheme, host = url.scheme.lower(), (url.hostname or "").lower()
        default_port = {"http": 80, "https": 443}.get(scheme)
        if ":" in host:
            host = f"[{host}]"
        port = "" if url.port in (None, default_port) else f":{url.port}"
        return f"{scheme}://{host}{port}"

    def hmac_secret(self) -> str:
        """The HS256 key: the configured one, else (development) one generated once and kept locally."""
        if self.secret_key is not None:
            return self.secret_key.get_secret_value()
        if self.environment == "test":
            return secrets.token_urlsafe(HMAC_MIN_KEY_BYTES)
        return _load_or_create_dev_secret(DEV_SECRET_FILE)


def _comma_list(value: str) -> list[str]:
    return [item.strip() for item in value.split(",") if item.strip()]


def _load_or_create_dev_secret(path: Path) -> str:
    if path.exists():
        return path.read_text().strip()
    secret = secrets.token_urlsafe(48)
    path.touch(mode=0o600)
    path.write_text(secret)
    return secret
