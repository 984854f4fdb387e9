"""Detection's tables: sightings and findings (cases are the casefiles area's, db/casefiles/tables.py).

Also adds `deliveries.serial_fold` (the confusable-folded serial, indexed) to the shared `deliveries`
table object, so the registry's inserts can fill it. Migration 0002_detection creates all of this.
"""

from __future__ import annotations

import sqlalchemy as sa

from endwatch.db.registry.tables import deliveries
from endwatch.db.tables import BigId, metadata

if "serial_fold" not in deliveries.c:
    # The serial as detection compares it: normalised, then 0/O/D/Q, 1/I/L, 2/Z, 5/S, 6/G, 8/B folded.
    deliveries.append_column(sa.Column("serial_fold", sa.String(100), nullable=True))

sightings = sa.Table(
    "sightings",
    metadata,
    sa.Column("id", sa.String(100), primary_key=True),
    sa.Column("observed_on", sa.Date, nullable=False, index=True),
    sa.Column("place", sa.Text, nullable=False, server_default=""),
    sa.Column("country", sa.String(2)),
    sa.Column("observed_user", sa.Text, nullable=False, server_default=""),
    sa.Column("manufacturer", sa.Text, nullable=False, server_default=""),
    sa.Column("model", sa.Text, nullable=False, server_default=""),
    sa.Column("serial", sa.Text, nullable=False),
    sa.Column("platform", sa.Text, nullable=False, server_default=""),
    sa.Column("source", sa.Text, nullable=False, server_default=""),
    sa.Column("reliability", sa.String(1), nullable=False),
    sa.Column("credibility", sa.String(1), nullable=False),
    sa.Column("media", sa.Text, nullable=False, server_default=""),
    sa.Column("recorded_at", sa.String(40), nullable=False),
    sa.Column("recorded_by", sa.String(200), nullable=False),
)

findings = sa.Table(
    "findings",
    metadata,
    sa.Column("sighting_id", sa.String(100), sa.ForeignKey("sightings.id"), primary_key=True),
    sa.Column("verdict", sa.String(20), nullable=False, index=True),
    sa.Column("confidence", sa.String(20)),
    sa.Column("tier", sa.String(20)),
    sa.Column("delivery_id", BigId, sa.ForeignKey("deliveries.id")),
    sa.Column("permit_number", sa.String(100)),
    sa.Column("product_id", sa.String(100)),
    sa.Column("serial", sa.Text),
    sa.Column("observed_user_id", sa.String(100), sa.ForeignKey("parties.id")),
    sa.Column("observed_country", sa.String(2)),
    sa.Column("observed_on", sa.Date, nullable=False),
    sa.Column("reasons", sa.JSON, nullable=False),
    sa.Column("candidates", sa.JSON, nullable=False),
    sa.Column("decided_at", sa.String(40), nullable=False),
)
