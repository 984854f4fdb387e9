"""Conflicts with roles and intensity, known from a date.

Revision ID: 0011_conflict_roles
Revises: 0010_cli_principals

- conflicts.intensity: UCDP's intensity level (1 minor, 2 war); null when the source does not give it.
- conflicts.roles: every role in the conflict (location, primary party, secondary supporter, mission),
  with side, actor name and ISO (or documented) code; empty: every listed country is a primary party.
- conflicts.known_on: when the evidence became known (a dataset's release, a report's date).
- conflicts.series: the conflict a conflict-year belongs to (UCDP's conflict id), so it is cited once.
- conflicts.kind: the type of conflict (extrasystemic, interstate, intrastate, internationalised intrastate).
Existing rows keep their meaning: no intensity (weighed as a war), no roles, known from their first day.
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011_conflict_roles"
down_revision: str | Sequence[str] | None = "0010_cli_principals"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("conflicts") as batch:
        batch.add_column(sa.Column("intensity", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("roles", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("known_on", sa.Date(), nullable=True))
        batch.add_column(sa.Column("series", sa.String(100), server_default="", nullable=False))
        batch.add_column(sa.Column("kind", sa.String(60), server_default="", nullable=False))
        batch.create_index("ix_conflicts_series", ["series"])


def downgrade() -> None:
    with op.batch_alter_table("conflicts") as batch:
        batch.drop_index("ix_conflicts_series")
        batch.drop_column("kind")
        batch.drop_column("series")
        batch.drop_column("known_on")
        batch.drop_column("roles")
        batch.drop_column("intensity")
