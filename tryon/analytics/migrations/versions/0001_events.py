"""The events table.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None


def upgrade() -> None:
    op.create_table(
        "events",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True, autoincrement=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("kind", sa.String(24), nullable=False),
        sa.Column("session_id", sa.String(32), nullable=False),
        sa.Column("device_id", sa.String(64), nullable=False),
        sa.Column("catalog_id", sa.String(160), nullable=False, server_default=""),
        sa.Column("catalog_version", sa.String(32), nullable=False, server_default=""),
        sa.Column("shade_id", sa.String(128), nullable=True),
        sa.Column("dwell_ms", sa.Integer(), nullable=True),
        sa.Column("value", sa.String(64), nullable=True),
    )


def downgrade() -> None:
    op.drop_table("events")
