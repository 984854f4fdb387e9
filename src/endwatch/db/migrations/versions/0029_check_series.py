"""The plan's figures day by day, for the share of designated items whose inventory is overdue over time.

Revision ID: 0029_check_series
Revises: 0028_party_identifiers

- check_series: one row a day (`endwatch checks record`): designated items delivered by the day, those whose
  inventory was overdue, and overdue checks by age (1-30, 31-90, 91-180, 181-365 days, over a year); who
  recorded it and when. Recording a day again replaces its row (the audit trail keeps both).
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0029_check_series"
down_revision: str | Sequence[str] | None = "0028_party_identifiers"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

AGE_COLUMNS = ("overdue_1_30", "overdue_31_90", "overdue_91_180", "overdue_181_365", "overdue_over_365")


def upgrade() -> None:
    op.create_table(
        "check_series",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True, autoincrement=True),
        sa.Column("day", sa.Date, nullable=False),
        sa.Column("designated_items", sa.BigInteger, nullable=False),
        sa.Column("designated_items_overdue", sa.BigInteger, nullable=False),
        *(sa.Column(name, sa.Integer, nullable=False) for name in AGE_COLUMNS),
        sa.Column("recorded_by", sa.String(200), nullable=False),
        sa.Column("recorded_at", sa.String(40), nullable=False),
        sa.UniqueConstraint("day", name="uq_check_series_day"),
    )


def downgrade() -> None:
    op.drop_table("check_series")
