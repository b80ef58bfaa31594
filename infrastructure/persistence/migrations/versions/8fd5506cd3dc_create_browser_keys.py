"""create browser keys: the hashed cookies of browser sessions (the pages under /app)

Revision ID: 8fd5506cd3dc
Revises: 55f118c6a97a
Create Date: 2026-12-02 06:28:21.003830
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "8fd5506cd3dc"
down_revision: str | Sequence[str] | None = "55f118c6a97a"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "browser_keys",
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("session_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["auth_sessions.id"],
            name=op.f("fk_browser_keys_session_id_auth_sessions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("key_hash", name=op.f("pk_browser_keys")),
    )
    with op.batch_alter_table("browser_keys", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_browser_keys_session_id"), ["session_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("browser_keys", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_browser_keys_session_id"))

    op.drop_table("browser_keys")
