"""Delivered items counted per permit, product and day, kept by triggers (issue 14: public figures computed in
under 2 s, the deliveries list filtered by destination, at 10,000,000 items).

Revision ID: 0033_delivered_counts
Revises: 0032_party_indexes

Creates `delivered_counts` and counts the items already delivered into it (one GROUP BY over `deliveries`). The
triggers that keep it are installed by db/migrations/env.py after every migration run (db/registry/delivered_counts.py),
as the audit trail's are, because SQLite drops a table's triggers whenever a batch migration rebuilds it.
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0033_delivered_counts"
down_revision: str | Sequence[str] | None = "0032_party_indexes"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "delivered_counts",
        sa.Column("permit_number", sa.String(100), primary_key=True),
        sa.Column("delivered_on", sa.Date, primary_key=True),
        sa.Column("product_id", sa.String(100), primary_key=True),
        sa.Column("delivered", sa.Integer, nullable=False),
    )
    op.execute("INSERT INTO delivered_counts (permit_number, delivered_on, product_id, delivered)"
               " SELECT permit_number, delivered_on, product_id, count(*) FROM deliveries"
               " GROUP BY permit_number, delivered_on, product_id")


def downgrade() -> None:
    bind = op.get_bind()
    postgresql = bind.dialect.name == "postgresql"
    for suffix in ("ins", "upd", "del"):  # the triggers env.py installed write into the table dropped here
        op.execute(f"DROP TRIGGER IF EXISTS ew_counts_{suffix}" + (" ON deliveries" if postgresql else ""))
    if postgresql:
        op.execute("DROP FUNCTION IF EXISTS ew_counts_keep()")
    op.drop_table("delivered_counts")
