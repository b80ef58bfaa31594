"""create action tokens and audit events

Revision ID: 55f118c6a97a
Revises: 337b7b2dd971
Create Date: 2026-11-23 20:04:36.892396
"""

from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from alembic import op

revision: str = "55f118c6a97a"
down_revision: str | Sequence[str] | None = "337b7b2dd971"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def timestamp(name: str, *, nullable: bool = False) -> sa.Column[datetime]:
    # The database side of tables.UtcDateTime. Revisions are frozen history, so each keeps its
    # own copy rather than importing code that may change after it has run somewhere.
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "action_tokens",
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("purpose", sa.String(length=32), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        timestamp("created_at"),
        timestamp("expires_at"),
        timestamp("used_at", nullable=True),
        sa.CheckConstraint(
            "purpose IN ('reset_password', 'verify_email')", name=op.f("ck_action_tokens_purpose")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_action_tokens_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("token_hash", name=op.f("pk_action_tokens")),
    )
    op.create_index(op.f("ix_action_tokens_user_id"), "action_tokens", ["user_id"])

    # No foreign keys on user_id and actor_id: the trail outlives the users it names.
    op.create_table(
        "audit_events",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("event_type", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=True),
        sa.Column("actor_id", sa.Uuid(), nullable=True),
        sa.Column("ip", sa.String(length=64), nullable=True),
        sa.Column("user_agent", sa.Text(), nullable=True),
        timestamp("occurred_at"),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_events")),
    )
    op.create_index(op.f("ix_audit_events_occurred_at_id"), "audit_events", ["occurred_at", "id"])
    op.create_index(
        op.f("ix_audit_events_event_type_occurred_at_id"),
        "audit_events",
        ["event_type", "occurred_at", "id"],
    )
    op.create_index(
        op.f("ix_audit_events_user_id_occurred_at_id"),
        "audit_events",
        ["user_id", "occurred_at", "id"],
    )


def downgrade() -> None:
    # Dropping a table drops its indexes too.
    op.drop_table("audit_events")
    op.drop_table("action_tokens")
