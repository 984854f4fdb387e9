"""Partner authorities and their private-set-intersection exchanges.

Revision ID: 0026_partner_exchanges
Revises: 0025_checks

- partners: the authorities we compare serials with, each with its own limits (NULL: the settings' defaults);
- partner_exchanges: the log of every exchange, from our side (initiator or responder), with the digests that
  bind its later files to what we sent and the fingerprint of its key (never the key);
- partner_matches: our delivered items an exchange found the partner also holds, at which tier, with the
  reference of the trace request opened for each.
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0026_partner_exchanges"
down_revision: str | Sequence[str] | None = "0025_checks"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "partners",
        sa.Column("id", sa.String(100), primary_key=True),
        sa.Column("name", sa.String(300), nullable=False),
        sa.Column("max_items", sa.Integer(), nullable=True),
        sa.Column("max_exchanges", sa.Integer(), nullable=True),
        sa.Column("added_at", sa.String(40), nullable=False),
        sa.Column("added_by", sa.String(200), nullable=False),
    )
    op.create_table(
        "partner_exchanges",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("partner_id", sa.String(100), sa.ForeignKey("partners.id", name="fk_partner_exchanges_partner_id_partners"),
                  nullable=False),
        sa.Column("role", sa.String(10), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("started_at", sa.String(40), nullable=False),
        sa.Column("started_by", sa.String(200), nullable=False),
        sa.Column("key_fingerprint", sa.String(64), nullable=False),
        sa.Column("check_digest", sa.String(64), nullable=False),
        sa.Column("sent", sa.Integer(), nullable=False),
        sa.Column("received", sa.Integer(), nullable=True),
        sa.Column("finished_at", sa.String(40), nullable=True),
        sa.Column("finished_by", sa.String(200), nullable=True),
        sa.Column("matched", sa.Integer(), nullable=True),
    )
    op.create_index("ix_partner_exchanges_partner_id", "partner_exchanges", ["partner_id"])
    op.create_table(
        "partner_matches",
        sa.Column("exchange_id", sa.String(32),
                  sa.ForeignKey("partner_exchanges.id", name="fk_partner_matches_exchange_id_partner_exchanges"),
                  primary_key=True),
        sa.Column("delivery_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
                  sa.ForeignKey("deliveries.id", name="fk_partner_matches_delivery_id_deliveries"), primary_key=True),
        sa.Column("tier", sa.String(12), nullable=False),
        sa.Column("reference", sa.String(100), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("partner_matches")
    op.drop_index("ix_partner_exchanges_partner_id", table_name="partner_exchanges")
    op.drop_table("partner_exchanges")
    op.drop_table("partners")
