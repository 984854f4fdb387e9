"""Scheduled status events can be superseded: permit_status_changes.superseded.

Revision ID: 0018_scheduled_status
Revises: 0017_screening_hit_detail

A status event dated after the day it was recorded is scheduled; an earlier decision that makes it
impossible supersedes it (domain.permits.plan_status_change): the row stays, with the note saying so, and
leaves the permit's history. Existing rows keep NULL (in the history).
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018_scheduled_status"
down_revision: str | Sequence[str] | None = "0017_screening_hit_detail"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("permit_status_changes", sa.Column("superseded", sa.Text(), nullable=True))


def downgrade() -> None:
    # Superseded events cannot be told apart in the older table: they are removed with the column.
    op.execute("DELETE FROM permit_status_changes WHERE superseded IS NOT NULL")
    with op.batch_alter_table("permit_status_changes") as batch:
        batch.drop_column("superseded")
