"""Bring the alerts table of failed checks under the migrations.

Revision ID: 0003
Revises: 0002

The alert sensor used to create the table itself, so a database that ran it has the table
already, in this same shape; only a database without it gets it here.
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if sa.inspect(op.get_bind()).has_table("alerts"):
        return
    op.create_table(
        "alerts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("raised_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("asset", sa.String(length=255), nullable=False),
        sa.Column("check_name", sa.String(length=128), nullable=False),
        sa.Column("partition_key", sa.String(length=64), nullable=True),
        sa.Column("severity", sa.String(length=8), nullable=False),
        sa.Column("batch_id", sa.String(length=80), nullable=True),
        sa.Column("owner", sa.String(length=128), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("run_id", sa.String(length=64), nullable=False),
        sa.Column("check_execution_id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("run_id", "check_execution_id"),
    )


def downgrade() -> None:
    op.drop_table("alerts")
