"""The relational schema, as SQLAlchemy Core tables; the migrations create exactly this."""

import uuid
from collections.abc import Iterable
from datetime import UTC, datetime
from enum import StrEnum

import sqlalchemy as sa

from domain.action_tokens import ActionPurpose
from domain.identities import PROVIDER_NAME_MAX_LENGTH, SUBJECT_MAX_LENGTH, LoginOutcome
from domain.passkeys import PASSKEY_NAME_MAX_LENGTH, ChallengePurpose
from domain.posts import POST_TITLE_MAX_LENGTH
from domain.tasks import TASK_TITLE_MAX_LENGTH, Priority
from domain.users import EMAIL_MAX_LENGTH, Role
from infrastructure.persistence.timestamps import as_utc

# Stable constraint names, so migrations can name them and errors can be told apart.
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)


class UtcDateTime(sa.TypeDecorator[datetime]):
    """An aware instant, stored in UTC and read back aware in UTC on every backend.

    SQLite's DATETIME keeps no offset, so values are converted to UTC before they are written;
    PostgreSQL hands back its session's time zone, so values are converted after they are read.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        return None if value is None else as_utc(value)

    def process_result_value(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def one_of(column: str, values: Iterable[StrEnum]) -> sa.CheckConstraint:
    """The column holds one of an enum's values (named ck_<table>_<column>)."""
    allowed = ", ".join(repr(value.value) for value in values)
    return sa.CheckConstraint(f"{column} IN ({allowed})", name=column)


users = sa.Table(
    "users",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("username", sa.String(32), nullable=False),
    # The case-insensitive form under which usernames are unique (domain.users.username_key).
    sa.Column("username_key", sa.String(32), nullable=False),
    sa.Column("email", sa.String(EMAIL_MAX_LENGTH), nullable=False),
    sa.Column("password_hash", sa.Text, nullable=False),
    sa.Column("full_name", sa.String(100), nullable=True),
    sa.Column("role", sa.String(16), nullable=False),
    sa.Column("is_active", sa.Boolean, nullable=False),
    sa.Column("email_verified", sa.Boolean, nullable=False),
    sa.Column("token_version", sa.Integer, nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("updated_at", UtcDateTime, nullable=False),
    # Whether TOTP is on, kept on the user (the bearer check's one read already loads the row, and
    # admin routes may need it); the factor itself lives in totp_factors.
    sa.Column("mfa_enabled", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("has_password", sa.Boolean, nullable=False, server_default=sa.true()),
    sa.UniqueConstraint("username_key"),
    sa.UniqueConstraint("email"),
    one_of("role", Role),
    # Serves the newest-first keyset pagination of user lists.
    sa.Index(None, "created_at", "id"),
)


def owner_column(name: str, *, index: bool = False) -> sa.Column[uuid.UUID]:
    """A user's id; deleting the user deletes the rows that name them."""
    return sa.Column(
        name, sa.Uuid, sa.ForeignKey(users.c.id, ondelete="CASCADE"), nullable=False, index=index
    )


auth_sessions = sa.Table(
    "auth_sessions",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    owner_column("user_id", index=True),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("last_used_at", UtcDateTime, nullable=False),
    sa.Column("idle_expires_at", UtcDateTime, nullable=False),
    sa.Column("absolute_expires_at", UtcDateTime, nullable=False),
    # Unbounded text: these come from request headers, and no domain rule limits their length.
    sa.Column("user_agent", sa.Text, nullable=True),
    sa.Column("ip", sa.Text, nullable=True),
    sa.Column("revoked_at", UtcDateTime, nullable=True),
)


def session_column() -> sa.Column[uuid.UUID]:
    """A session's id; ending the session's life (its user deleted) deletes the rows that name it."""
    return sa.Column(
        "session_id",
        sa.Uuid,
        sa.ForeignKey(auth_sessions.c.id, ondelete="CASCADE"),
        nullable=False,
        index=True,
    )


refresh_tokens = sa.Table(
    "refresh_tokens",
    metadata,
    # The SHA-256 hex digest of the token; the token itself is never stored.
    sa.Column("token_hash", sa.String(64), primary_key=True),
    session_column(),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("spent_at", UtcDateTime, nullable=True),
)

browser_keys = sa.Table(
    "browser_keys",
    metadata,
    # The SHA-256 hex digest of a browser session's cookie; the cookie itself is never stored.
    sa.Column("key_hash", sa.String(64), primary_key=True),
    session_column(),
)

tasks = sa.Table(
    "tasks",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    owner_column("owner_id"),
    sa.Column("title", sa.String(TASK_TITLE_MAX_LENGTH), nullable=False),
    sa.Column("description", sa.Text, nullable=True),
    sa.Column("completed", sa.Boolean, nullable=False),
    sa.Column("priority", sa.String(16), nullable=False),
    sa.Column("due_date", sa.Date, nullable=True),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("updated_at", UtcDateTime, nullable=False),
    one_of("priority", Priority),
    # Serves every task list (always one owner's, newest first, paged by key) and, as its
    # leading column is owner_id, the cascade from users too: no separate owner_id index.
    sa.Index(None, "owner_id", "created_at", "id"),
)

posts = sa.Table(
    "posts",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    owner_column("author_id"),
    sa.Column("title", sa.String(POST_TITLE_MAX_LENGTH), nullable=False),
    sa.Column("content", sa.Text, nullable=False),
    sa.Column("published", sa.Boolean, nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("updated_at", UtcDateTime, nullable=False),
    sa.Column("published_at", UtcDateTime, nullable=True),
    # One author's posts (GET /posts/my, ?author_id=, the cascade from users) and the public
    # feed of published posts, each newest first and paged by key.
    sa.Index(None, "author_id", "created_at", "id"),
    sa.Index(None, "published", "created_at", "id"),
)

action_tokens = sa.Table(
    "action_tokens",
    metadata,
    # The SHA-256 hex digest of the token; the token itself is only ever in the email.
    sa.Column("token_hash", sa.String(64), primary_key=True),
    # Indexed for void_for_user and for the cascade from users.
    owner_column("user_id", index=True),
    sa.Column("purpose", sa.String(32), nullable=False),
    sa.Column("email", sa.String(EMAIL_MAX_LENGTH), nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("expires_at", UtcDateTime, nullable=False),
    sa.Column("used_at", UtcDateTime, nullable=True),
    one_of("purpose", ActionPurpose),
)

audit_events = sa.Table(
    "audit_events",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    # No check constraint: new event types come with new code, and should not need a migration.
    sa.Column("event_type", sa.String(64), nullable=False),
    # No foreign keys: the trail must outlive the users it names (an account_deleted event
    # names a user who is gone), so these are plain ids.
    sa.Column("user_id", sa.Uuid, nullable=True),
    sa.Column("actor_id", sa.Uuid, nullable=True),
    sa.Column("ip", sa.String(64), nullable=True),
    sa.Column("user_agent", sa.Text, nullable=True),
    sa.Column("occurred_at", UtcDateTime, nullable=False),
    sa.Column("details", sa.JSON, nullable=False),
    # The admin list, newest first and paged by key: unfiltered, by event type, by user.
    sa.Index(None, "occurred_at", "id"),
    sa.Index(None, "event_type", "occurred_at", "id"),
    sa.Index(None, "user_id", "occurred_at", "id"),
)

totp_factors = sa.Table(
    "totp_factors",
    metadata,
    # One authenticator per user, pending (confirmed_at NULL) or confirmed.
    sa.Column("user_id", sa.Uuid, sa.ForeignKey(users.c.id, ondelete="CASCADE"), primary_key=True),
    # The secret encrypted (AES-GCM, bound to user_id), never the secret itself.
    sa.Column("sealed_secret", sa.Text, nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("confirmed_at", UtcDateTime, nullable=True),
    # The newest time step a code was accepted for: no code of it or before is accepted again.
    sa.Column("last_used_step", sa.BigInteger, nullable=True),
)

recovery_codes = sa.Table(
    "recovery_codes",
    metadata,
    # The key's leading user_id serves every lookup and the cascade from users.
    owner_column("user_id"),
    # SHA-256 hex digest of the normalised code; the code itself is shown once, never stored.
    sa.Column("code_hash", sa.String(64), nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("used_at", UtcDateTime, nullable=True),
    sa.PrimaryKeyConstraint("user_id", "code_hash"),
)

mfa_tokens = sa.Table(
    "mfa_tokens",
    metadata,
    # SHA-256 hex digest of the token handed out with 401 mfa_required.
    sa.Column("token_hash", sa.String(64), primary_key=True),
    # Indexed for delete_expired and for the cascade from users.
    owner_column("user_id", index=True),
    sa.Column("token_version", sa.Integer, nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("expires_at", UtcDateTime, nullable=False),
    sa.Column("spent_at", UtcDateTime, nullable=True),
)

passkeys = sa.Table(
    "passkeys",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    owner_column("user_id"),
    # The authenticator's id for the credential: at most 1023 bytes, unique among all users.
    sa.Column("credential_id", sa.LargeBinary(1023), nullable=False),
    # The COSE public key that checks the credential's signatures (nothing secret).
    sa.Column("public_key", sa.LargeBinary, nullable=False),
    # The authenticator's counter is an unsigned 32-bit number: too big for INTEGER.
    sa.Column("sign_count", sa.BigInteger, nullable=False),
    sa.Column("transports", sa.JSON, nullable=False),
    sa.Column("name", sa.String(PASSKEY_NAME_MAX_LENGTH), nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("last_used_at", UtcDateTime, nullable=True),
    sa.UniqueConstraint("credential_id"),
    # One user's passkeys, newest first; as its leading column is user_id, it serves the
    # counts and the cascade from users too.
    sa.Index(None, "user_id", "created_at", "id"),
)

webauthn_challenges = sa.Table(
    "webauthn_challenges",
    metadata,
    # SHA-256 hex digest of the challenge the options carried.
    sa.Column("challenge_hash", sa.String(64), primary_key=True),
    sa.Column("purpose", sa.String(16), nullable=False),
    # The account the ceremony is for; NULL for a sign-in that named none (or an unknown one).
    sa.Column(
        "user_id",
        sa.Uuid,
        sa.ForeignKey(users.c.id, ondelete="CASCADE"),
        nullable=True,
        index=True,
    ),
    sa.Column("created_at", UtcDateTime, nullable=False),
    # Indexed for delete_expired, which every new challenge runs.
    sa.Column("expires_at", UtcDateTime, nullable=False, index=True),
    sa.Column("spent_at", UtcDateTime, nullable=True),
    one_of("purpose", ChallengePurpose),
)

identities = sa.Table(
    "identities",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    # Indexed for the owner's list and count, and for the cascade from users.
    owner_column("user_id", index=True),
    sa.Column("provider", sa.String(PROVIDER_NAME_MAX_LENGTH), nullable=False),
    sa.Column("subject", sa.String(SUBJECT_MAX_LENGTH), nullable=False),
    sa.Column("email", sa.String(EMAIL_MAX_LENGTH), nullable=True),
    sa.Column("linked_at", UtcDateTime, nullable=False),
    # An identity is the pair (provider, sub): it signs in to one account only.
    sa.UniqueConstraint("provider", "subject"),
)

oidc_flows = sa.Table(
    "oidc_flows",
    metadata,
    # SHA-256 hex digest of the state the authorization request carried.
    sa.Column("state_hash", sa.String(64), primary_key=True),
    sa.Column("provider", sa.String(PROVIDER_NAME_MAX_LENGTH), nullable=False),
    sa.Column("nonce", sa.String(64), nullable=False),
    sa.Column("code_verifier", sa.String(128), nullable=False),
    # SHA-256 hex digest of the state cookie of the browser that started the flow.
    sa.Column("browser_hash", sa.String(64), nullable=False),
    sa.Column("redirect_uri", sa.Text, nullable=True),
    sa.Column(
        "link_user_id",
        sa.Uuid,
        sa.ForeignKey(users.c.id, ondelete="CASCADE"),
        nullable=True,
        index=True,
    ),
    sa.Column("created_at", UtcDateTime, nullable=False),
    # Indexed for delete_expired, which every new flow runs.
    sa.Column("expires_at", UtcDateTime, nullable=False, index=True),
    sa.Column("spent_at", UtcDateTime, nullable=True),
)

login_codes = sa.Table(
    "login_codes",
    metadata,
    # SHA-256 hex digest of the code handed to the client's redirect_uri.
    sa.Column("code_hash", sa.String(64), primary_key=True),
    sa.Column("outcome", sa.String(32), nullable=False),
    sa.Column(
        "user_id",
        sa.Uuid,
        sa.ForeignKey(users.c.id, ondelete="CASCADE"),
        nullable=True,
        index=True,
    ),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("expires_at", UtcDateTime, nullable=False, index=True),
    sa.Column("spent_at", UtcDateTime, nullable=True),
    one_of("outcome", LoginOutcome),
)
