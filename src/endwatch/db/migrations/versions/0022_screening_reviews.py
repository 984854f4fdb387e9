"""Reviews of screening hits: an officer confirms or dismisses a hit with a reason.

Revision ID: 0022_screening_reviews
Revises: 0021_screening_parties

- screening_reviews: every review kept (verdict, reason, who and when, the second signature where the
  authority wants four eyes), with the digests of the entity and the party reviewed: a review counts only
  while both are unchanged.
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0022_screening_reviews"
down_revision: str | Sequence[str] | None = "0021_screening_parties"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "screening_reviews",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True, autoincrement=True),
        sa.Column("party_id", sa.String(100), nullable=False),
        sa.Column("entity_id", sa.String(300), nullable=False),
        sa.Column("verdict", sa.String(10), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("party_digest", sa.String(64), nullable=False),
        sa.Column("entity_digest", sa.String(64), nullable=False),
        sa.Column("reviewed_by", sa.String(200), nullable=False),
        sa.Column("reviewed_at", sa.String(40), nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("second_by", sa.String(200), nullable=True),
        sa.Column("second_at", sa.String(40), nullable=True),
    )
    op.create_index("ix_screening_reviews_pair", "screening_reviews", ["party_id", "entity_id"])


def downgrade() -> None:
    op.drop_index("ix_screening_reviews_pair", table_name="screening_reviews")
    op.drop_table("screening_reviews")
