"""The audit area's tables: the append-only, hash-chained log and the one row naming its head."""

from __future__ import annotations

import sqlalchemy as sa

from endwatch.db.tables import BigId, metadata

audit_log = sa.Table(
    "audit_log",
    metadata,
    sa.Column("seq", BigId, primary_key=True, autoincrement=False),
    sa.Column("recorded_at", sa.String(40), nullable=False),
    sa.Column("actor", sa.String(200), nullable=False),
    sa.Column("action", sa.String(100), nullable=False),
    sa.Column("entity", sa.String(100), nullable=False),
    sa.Column("entity_key", sa.String(300), nullable=False),
    sa.Column("before", sa.Text),
    sa.Column("after", sa.Text),
    sa.Column("reason", sa.Text, nullable=False, server_default=""),
    sa.Column("prev_hash", sa.String(64), nullable=False),
    sa.Column("hash", sa.String(64), nullable=False),
    # The administrator who made the write on the actor's behalf, when one did.
    sa.Column("delegate", sa.String(200)),
    sa.Index("ix_audit_log_entity", "entity", "entity_key"),
)

# A single row naming the chain's last entry: a truncated tail is detectable, and its sequence number is
# the registry's state version (every audited write moves it).
audit_head = sa.Table(
    "audit_head",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("seq", BigId, nullable=False),
    sa.Column("hash", sa.String(64), nullable=False),
)
