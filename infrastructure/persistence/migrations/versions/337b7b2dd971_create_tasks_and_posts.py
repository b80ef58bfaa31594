"""create tasks and posts

Revision ID: 337b7b2dd971
Revises: 0878ec7edb1c
Create Date: 2026-11-23 19:31:12.511300
"""

from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from alembic import op

revision: str = "337b7b2dd971"
down_revision: str | Sequence[str] | None = "0878ec7edb1c"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def timestamp(name: str, *, nullable: bool = False) -> sa.Column[datetime]:
    # The database side of tables.UtcDateTime. Revisions are frozen history, so each keeps its
    # own copy rather than importing code that may change after it has run somewhere.
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def owner_key(column: str, table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], ["users.id"], name=op.f(f"fk_{table}_{column}_users"), ondelete="CASCADE"
    )


def upgrade() -> None:
    op.create_table(
        "tasks",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("owner_id", sa.Uuid(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("completed", sa.Boolean(), nullable=False),
        sa.Column("priority", sa.String(length=16), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=True),
        timestamp("created_at"),
        timestamp("updated_at"),
        sa.CheckConstraint("priority IN ('low', 'medium', 'high')", name=op.f("ck_tasks_priority")),
        owner_key("owner_id", "tasks"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tasks")),
    )
    op.create_index(
        op.f("ix_tasks_owner_id_created_at_id"), "tasks", ["owner_id", "created_at", "id"]
    )

    op.create_table(
        "posts",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("author_id", sa.Uuid(), nullable=False),
        sa.Column("title", sa.String(length=100), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("published", sa.Boolean(), nullable=False),
        timestamp("created_at"),
        timestamp("updated_at"),
        timestamp("published_at", nullable=True),
        owner_key("author_id", "posts"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_posts")),
    )
    op.create_index(
        op.f("ix_posts_author_id_created_at_id"), "posts", ["author_id", "created_at", "id"]
    )
    op.create_index(
        op.f("ix_posts_published_created_at_id"), "posts", ["published", "created_at", "id"]
    )


def downgrade() -> None:
    # Dropping a table drops its indexes too.
    op.drop_table("posts")
    op.drop_table("tasks")
