"""Widen batches.status to 32 characters, so "awaiting_approval" fits on PostgreSQL.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Batch mode: a plain ALTER on PostgreSQL, a copy of the table on SQLite, which cannot alter a column.
    with op.batch_alter_table("batches") as table:
        table.alter_column("status", type_=sa.String(length=32), existing_type=sa.String(length=16),
                           existing_nullable=False)


def downgrade() -> None:
    with op.batch_alter_table("batches") as table:
        table.alter_column("status", type_=sa.String(length=16), existing_type=sa.String(length=32),
                           existing_nullable=False)
