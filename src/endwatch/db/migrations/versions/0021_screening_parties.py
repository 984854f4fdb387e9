"""Incremental screening: each party's digest as last screened.

Revision ID: 0021_screening_parties
Revises: 0020_screening_lists

- screening_parties: party id and the digest of what screening reads of it (names, kind, country); a load
  screens a party against every entity only when its digest is new or changed. Empty at first, so the next
  load screens every party once.
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0021_screening_parties"
down_revision: str | Sequence[str] | None = "0020_screening_lists"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "screening_parties",
        sa.Column("party_id", sa.String(100), primary_key=True),
        sa.Column("digest", sa.String(64), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("screening_parties")
