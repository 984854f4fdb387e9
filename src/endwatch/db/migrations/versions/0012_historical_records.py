"""Historical records: applications, permits and permit status events that predate endwatch.

Revision ID: 0012_historical_records
Revises: 0011_conflict_roles

- applications.historical_source, permits.historical_source, permit_status_changes.historical_source:
  the named source of a record imported as historical (an older registry, the bundled reference case).
  Blank for everything decided in endwatch. Existing rows stay blank (taken in endwatch), except that the
  bundled case, when loaded again, is refused as a change: reload it on a fresh database to mark it.
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012_historical_records"
down_revision: str | Sequence[str] | None = "0011_conflict_roles"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TABLES = ("applications", "permits", "permit_status_changes")


def upgrade() -> None:
    for table in _TABLES:
        op.add_column(table, sa.Column("historical_source", sa.String(200), nullable=True))


def downgrade() -> None:
    for table in reversed(_TABLES):
        with op.batch_alter_table(table) as batch:
            batch.drop_column("historical_source")
