"""Listing history: every interval an entity was listed, in every list that lists it.

Revision ID: 0027_screening_listings
Revises: 0026_partner_exchanges

- screening_listings: an id, entity id, dataset, the day the listing started and the day it ended (none while
  listed). An entity listed, delisted and listed again keeps both intervals; an entity in two lists has a
  listing in each, and leaving one list ends only that listing. screening_entities keeps its listed_on,
  delisted_on and dataset as a summary of these rows (first start; last end when no listing is open; the
  lists listing it).
- Not filled: an entity stored before has no listing row, and is read as one listing, as it was stored
  (its dataset, listed_on and delisted_on), until a load or removal writes its listings through the gate
  (a migration that wrote them would write rows the audit trail does not vouch for).
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0027_screening_listings"
down_revision: str | Sequence[str] | None = "0026_partner_exchanges"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "screening_listings",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True, autoincrement=True),
        sa.Column("entity_id", sa.String(300), sa.ForeignKey("screening_entities.id"), nullable=False),
        sa.Column("dataset", sa.String(200), nullable=False),
        sa.Column("listed_on", sa.Date, nullable=False),
        sa.Column("delisted_on", sa.Date),
        sa.UniqueConstraint("entity_id", "dataset", "listed_on", name="uq_screening_listings_start"),
    )
    op.create_index("ix_screening_listings_dataset", "screening_listings", ["dataset"])


def downgrade() -> None:
    op.drop_index("ix_screening_listings_dataset", "screening_listings")
    op.drop_table("screening_listings")
