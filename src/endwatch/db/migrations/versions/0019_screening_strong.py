"""Screening hits record whether they are strong (treated as the listed entity itself), by the authority's
strong-hit score when they were screened (setting ENDWATCH_SCREENING_STRONG, default 95).

Revision ID: 0019_screening_strong
Revises: 0018_scheduled_status

Existing hits are strong when they score 95 or more (the score hard-coded until
this revision).
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019_screening_strong"
down_revision: str | Sequence[str] | None = "0018_scheduled_status"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("screening_hits") as batch:
        batch.add_column(sa.Column("strong", sa.Boolean(), server_default=sa.false(), nullable=False))
    hits = sa.table("screening_hits", sa.column("score", sa.Float), sa.column("strong", sa.Boolean))
    op.execute(hits.update().where(hits.c.score >= 95.0).values(strong=True))


def downgrade() -> None:
    with op.batch_alter_table("screening_hits") as batch:
        batch.drop_column("strong")
