"""Tables of the system area: settings of the installation, one row per key."""

from __future__ import annotations

import sqlalchemy as sa

from endwatch.db.tables import metadata

# Facts about this database itself, not about the registry: whether it is a demonstration database.
system_settings = sa.Table(
    "system_settings",
    metadata,
    sa.Column("key", sa.String(100), primary_key=True),
    sa.Column("value", sa.Text, nullable=False),
)
