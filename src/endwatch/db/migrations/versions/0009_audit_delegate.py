"""audit_log.delegate: the administrator who made a write on the actor's behalf.

Revision ID: 0009_audit_delegate
Revises: 0008_product_model_key

Every write now names an authenticated principal. An administrator may act on a person's behalf
(`--on-behalf-of`); the entry then names both, and the hash covers the delegate (entries without one
hash as before, so the existing chain still verifies).
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009_audit_delegate"
down_revision: str | Sequence[str] | None = "0008_product_model_key"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("audit_log", sa.Column("delegate", sa.String(length=200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("audit_log") as batch:
        batch.drop_column("delegate")
