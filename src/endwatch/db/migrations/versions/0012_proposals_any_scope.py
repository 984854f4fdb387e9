"""Enforcement proposals over any scope: not only a case's decision, but a single permit's status or a
decision over filters (`endwatch suspend|reinstate|revoke --apply` proposes; `endwatch confirm` applies).

Revision ID: 0012_proposals_any_scope
Revises: 0011_conflict_roles

- enforcement_proposals.case_id becomes optional (NULL for a proposal not tied to a case).
- enforcement_proposals.scope: the decision's scope as JSON (the fields given). Existing rows are case
  proposals and keep it empty (NULL): their scope is their case (db/enforcement/proposals.py reads it so),
  and rows stay as the audit trail recorded them.
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012_proposals_any_scope"
down_revision: str | Sequence[str] | None = "0011_conflict_roles"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("enforcement_proposals") as batch:
        batch.add_column(sa.Column("scope", sa.JSON(), nullable=True))
        batch.alter_column("case_id", existing_type=sa.String(40), nullable=True)


def downgrade() -> None:
    # Proposals not tied to a case cannot be kept in the older table.
    op.execute("DELETE FROM enforcement_proposals WHERE case_id IS NULL")
    with op.batch_alter_table("enforcement_proposals") as batch:
        batch.alter_column("case_id", existing_type=sa.String(40), nullable=False)
        batch.drop_column("scope")
