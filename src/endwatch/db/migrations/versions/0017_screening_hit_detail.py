"""Screening hits say how the names matched and the parts of the score.

Revision ID: 0017_screening_hit_detail
Revises: 0016_serial_key

- screening_hits.how: how the names matched ("the same name", "a spelling variant", "word set", "an acronym").
- screening_hits.parts: the parts of the score in words and points (names, country, schema).
Existing hits keep an empty explanation until the next load re-screens.
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017_screening_hit_detail"
down_revision: str | Sequence[str] | None = "0016_serial_key"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("screening_hits") as batch:
        batch.add_column(sa.Column("how", sa.String(60), server_default="", nullable=False))
        batch.add_column(sa.Column("parts", sa.Text(), server_default="", nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("screening_hits") as batch:
        batch.drop_column("parts")
        batch.drop_column("how")
