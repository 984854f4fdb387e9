"""Transfers as arms-transfer registers publish them.

Revision ID: 0014_transfer_register
Revises: 0013_audit_rows

- transfers.supplier_id may be empty: a register names the supplier state (supplier_country), not a party.
- reference: the transfer's own id or source reference (`sipri:...`), so two different deals never collide.
- recipient_name, recipient_kind: the recipient as the source names it (a state, a former state, an
  international organisation, a non-state armed group, unknown).
- designation, description, manufacturer (apart from the supplier state), ordered and delivered (null:
  not given; 0 is a number), order_year, delivery_years, uncertain (which values the source marks `?`),
  second_hand, licensed_production, comments.
Existing rows keep their meaning: no reference (identified by supplier, recipient, item and report date).
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014_transfer_register"
down_revision: str | Sequence[str] | None = "0013_audit_rows"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TEXT = ("recipient_name", "recipient_kind", "designation", "description", "manufacturer", "comments")


def upgrade() -> None:
    with op.batch_alter_table("transfers") as batch:
        batch.alter_column("supplier_id", existing_type=sa.String(100), nullable=True)
        batch.add_column(sa.Column("reference", sa.String(200), server_default="", nullable=False))
        batch.add_column(sa.Column("supplier_country", sa.String(2), nullable=True))
        for name in _TEXT:
            batch.add_column(sa.Column(name, sa.Text(), server_default="", nullable=False))
        batch.add_column(sa.Column("ordered", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("delivered", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("order_year", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("delivery_years", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("uncertain", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("second_hand", sa.Boolean(), server_default=sa.false(), nullable=False))
        batch.add_column(sa.Column("licensed_production", sa.Boolean(), server_default=sa.false(), nullable=False))
        batch.create_index("ix_transfers_reference", ["reference"])
        batch.create_index("ix_transfers_supplier_country", ["supplier_country"])


def downgrade() -> None:
    with op.batch_alter_table("transfers") as batch:
        batch.drop_index("ix_transfers_supplier_country")
        batch.drop_index("ix_transfers_reference")
        for name in ("licensed_production", "second_hand", "uncertain", "delivery_years", "order_year", "delivered",
                     "ordered", *reversed(_TEXT), "supplier_country", "reference"):
            batch.drop_column(name)
        batch.alter_column("supplier_id", existing_type=sa.String(100), nullable=False)
