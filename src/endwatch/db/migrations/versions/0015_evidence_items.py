"""Evidence stored once, by digest, and referenced by the assessments that used it.

Revision ID: 0015_evidence_items
Revises: 0014_transfer_register

- evidence_items: a conflict or transfer as an assessment used it (JSON), under the SHA-256 of its canonical
  JSON. An assessment's stored inputs list these digests instead of copies of the evidence.
Assessments stored before keep their inputs whole; both forms are read.
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015_evidence_items"
down_revision: str | Sequence[str] | None = "0014_transfer_register"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "evidence_items",
        sa.Column("digest", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("body", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("digest", name=op.f("pk_evidence_items")),
    )


def downgrade() -> None:
    op.drop_table("evidence_items")
