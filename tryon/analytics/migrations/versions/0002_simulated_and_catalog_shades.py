"""Mark simulated events; remember which shades each catalog version had (the report's "new shades"); index
events by time and shade.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"


def upgrade() -> None:
    with op.batch_alter_table("events") as batch:
        batch.add_column(sa.Column("simulated", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.create_index("events_at", "events", ["at"])
    op.create_index("events_shade", "events", ["shade_id", "kind"])
    op.create_table(
        "catalog_shades",
        sa.Column("catalog_id", sa.String(160), primary_key=True),
        sa.Column("catalog_version", sa.String(32), primary_key=True),
        sa.Column("shade_id", sa.String(128), primary_key=True),
        sa.Column("shade_name", sa.String(160), nullable=False),
        sa.Column("first_seen", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("catalog_shades")
    op.drop_index("events_shade", "events")
    op.drop_index("events_at", "events")
    with op.batch_alter_table("events") as batch:
        batch.drop_column("simulated")
