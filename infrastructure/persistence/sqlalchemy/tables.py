"""The relational schema, as SQLAlchemy Core tables; the migrations create exactly this."""

from datetime import UTC, datetime

import sqlalchemy as sa

from domain.users import Role
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


users = sa.Table(
    "users",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("username", sa.String(32), nullable=False),
    # The case-insensitive form under which usernames are unique (domain.users.username_key).
    sa.Column("username_key", sa.String(32), nullable=False),
    sa.Column("email", sa.String(254), nullable=False),
    sa.Column("password_hash", sa.Text, nullable=False),
    sa.Column("full_name", sa.String(100), nullable=True),
    sa.Column("role", sa.String(16), nullable=False),
    sa.Column("is_active", sa.Boolean, nullable=False),
    sa.Column("email_verified", sa.Boolean, nullable=False),
    sa.Column("token_version", sa.Integer, nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("updated_at", UtcDateTime, nullable=False),
    sa.UniqueConstraint("username_key"),
    sa.UniqueConstraint("email"),
    sa.CheckConstraint(f"role IN ({', '.join(repr(role.value) for role in Role)})", name="role"),
    # Serves the newest-first keyset pagination of user lists.
    sa.Index(None, "created_at", "id"),
)

auth_sessions = sa.Table(
    "auth_sessions",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column(
        "user_id",
        sa.Uuid,
        sa.ForeignKey(users.c.id, ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("last_used_at", UtcDateTime, nullable=False),
    sa.Column("idle_expires_at", UtcDateTime, nullable=False),
    sa.Column("absolute_expires_at", UtcDateTime, nullable=False),
    # Unbounded text: these come from request headers, and no domain rule limits their length.
    sa.Column("user_agent", sa.Text, nullable=True),
    sa.Column("ip", sa.Text, nullable=True),
    sa.Column("revoked_at", UtcDateTime, nullable=True),
)

refresh_tokens = sa.Table(
    "refresh_tokens",
    metadata,
    # The SHA-256 hex digest of the token; the token itself is never stored.
    sa.Column("token_hash", sa.String(64), primary_key=True),
    sa.Column(
        "session_id",
        sa.Uuid,
        sa.ForeignKey(auth_sessions.c.id, ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("spent_at", UtcDateTime, nullable=True),
)
