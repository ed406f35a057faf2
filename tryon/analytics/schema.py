"""The tables as they are at the newest migration (`tryon/analytics/migrations/versions`), for queries."""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData()

events = sa.Table(
    "events",
    metadata,
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
    sa.Column("simulated", sa.Boolean(), nullable=False, server_default=sa.false()),
)

catalog_shades = sa.Table(
    "catalog_shades",
    metadata,
    sa.Column("catalog_id", sa.String(160), primary_key=True),
    sa.Column("catalog_version", sa.String(32), primary_key=True),
    sa.Column("shade_id", sa.String(128), primary_key=True),
    sa.Column("shade_name", sa.String(160), nullable=False),
    sa.Column("first_seen", sa.DateTime(timezone=True), nullable=False),
)

event_batches = sa.Table(
    "event_batches",
    metadata,
    sa.Column("idempotency_key", sa.String(64), primary_key=True),
    sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("events", sa.Integer(), nullable=False),
)
