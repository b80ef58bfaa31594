"""create identities, oidc flows and login codes: accounts' identities at OpenID Connect
providers, the sign-ins in progress (their state), and the single-use login codes they end with

Revision ID: c9c77471def3
Revises: 248095953811
Create Date: 2026-12-02 10:36:02.290008
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "c9c77471def3"
down_revision: str | Sequence[str] | None = "248095953811"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "identities",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("provider", sa.String(length=32), nullable=False),
        sa.Column("subject", sa.String(length=255), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("linked_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_identities_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_identities")),
        sa.UniqueConstraint("provider", "subject", name=op.f("uq_identities_provider_subject")),
    )
    with op.batch_alter_table("identities", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_identities_user_id"), ["user_id"], unique=False)

    op.create_table(
        "login_codes",
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("outcome", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("spent_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "outcome IN ('sign_in', 'account_exists', 'account_inactive')",
            name=op.f("ck_login_codes_outcome"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_login_codes_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("code_hash", name=op.f("pk_login_codes")),
    )
    with op.batch_alter_table("login_codes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_login_codes_expires_at"), ["expires_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_login_codes_user_id"), ["user_id"], unique=False)

    op.create_table(
        "oidc_flows",
        sa.Column("state_hash", sa.String(length=64), nullable=False),
        sa.Column("provider", sa.String(length=32), nullable=False),
        sa.Column("nonce", sa.String(length=64), nullable=False),
        sa.Column("code_verifier", sa.String(length=128), nullable=False),
        sa.Column("browser_hash", sa.String(length=64), nullable=False),
        sa.Column("redirect_uri", sa.Text(), nullable=True),
        sa.Column("link_user_id", sa.Uuid(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("spent_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["link_user_id"],
            ["users.id"],
            name=op.f("fk_oidc_flows_link_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("state_hash", name=op.f("pk_oidc_flows")),
    )
    with op.batch_alter_table("oidc_flows", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_oidc_flows_expires_at"), ["expires_at"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_oidc_flows_link_user_id"), ["link_user_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("oidc_flows", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_oidc_flows_link_user_id"))
        batch_op.drop_index(batch_op.f("ix_oidc_flows_expires_at"))

    op.drop_table("oidc_flows")
    with op.batch_alter_table("login_codes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_login_codes_user_id"))
        batch_op.drop_index(batch_op.f("ix_login_codes_expires_at"))

    op.drop_table("login_codes")
    with op.batch_alter_table("identities", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_identities_user_id"))

    op.drop_table("identities")
