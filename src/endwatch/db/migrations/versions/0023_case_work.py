"""Case work in the web: who a case is assigned to, when an inquiry is due and when it was last reminded.

Revision ID: 0023_case_work
Revises: 0022_screening_reviews

All three columns are optional: existing cases are unassigned, existing inquiries have no due date and were
never reminded.
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0023_case_work"
down_revision: str | Sequence[str] | None = "0022_screening_reviews"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("cases", sa.Column("assigned_to", sa.String(200), nullable=True))
    op.add_column("case_inquiries", sa.Column("due_on", sa.Date(), nullable=True))
    op.add_column("case_inquiries", sa.Column("reminded_on", sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("case_inquiries") as batch:
        batch.drop_column("reminded_on")
        batch.drop_column("due_on")
    with op.batch_alter_table("cases") as batch:
        batch.drop_column("assigned_to")
