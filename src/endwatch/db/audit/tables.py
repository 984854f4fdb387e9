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
    # The digest of the rows the write created, changed or deleted (domain.audit_rows.rows_digest).
    sa.Column("rows_digest", sa.String(64)),
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

# The digest of each row a write created, changed or deleted (None: deleted), stored with the entry `seq`
# whose `rows` digest covers them all: replayed, they say what every audited table should hold.
audit_rows = sa.Table(
    "audit_rows",
    metadata,
    sa.Column("seq", BigId, nullable=False),
    sa.Column("tbl", sa.String(100), nullable=False),
    sa.Column("row_key", sa.Text, nullable=False),
    sa.Column("digest", sa.String(32)),
    sa.Index("ix_audit_rows_tbl", "tbl", "seq"),
    sa.Index("ix_audit_rows_seq", "seq"),
)

# The rows written in the current transaction, as database triggers on every audited table note them
# (db/audit/capture.py): the gate digests them into the write's audit entry before it commits, and
# empties the table when a write begins (what is there then was written outside the application).
audit_touched = sa.Table(
    "audit_touched",
    metadata,
    sa.Column("tbl", sa.String(100), primary_key=True),
    sa.Column("k1", sa.Text, primary_key=True),
    sa.Column("k2", sa.Text, primary_key=True),
)
