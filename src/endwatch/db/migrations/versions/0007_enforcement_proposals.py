"""Enforcement proposals: a case's decision proposed by one person and confirmed by another.

Revision ID: 0007_enforcement_proposals
Revises: 0006_merge_areas
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007_enforcement_proposals"
down_revision: str | Sequence[str] | None = "0006_merge_areas"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
OPEN = sa.text("status = 'proposed'")


def upgrade() -> None:
    op.create_table(
        "enforcement_proposals",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("case_id", sa.String(40), nullable=False),
        sa.Column("action", sa.String(20), nullable=False),
        sa.Column("effective_on", sa.Date(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("reference", sa.Text(), nullable=False),
        sa.Column("hold_applications", sa.Boolean(), nullable=False),
        sa.Column("proposed_by", sa.String(200), nullable=False),
        sa.Column("proposed_at", sa.String(40), nullable=False),
        sa.Column("permits", sa.JSON(), nullable=False),
        sa.Column("applications", sa.JSON(), nullable=False),
        sa.Column("exporters", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("decided_by", sa.String(200), nullable=True),
        sa.Column("decided_at", sa.String(40), nullable=True),
        sa.Column("decision_reason", sa.Text(), nullable=True),
        sa.Column("enforcement_action_id", BigId, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_enforcement_proposals"),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name="fk_enforcement_proposals_case_id_cases"),
        sa.ForeignKeyConstraint(["enforcement_action_id"], ["enforcement_actions.id"],
                                name="fk_enforcement_proposals_action_id"),  # the long form passes 63 characters
    )
    op.create_index("ix_enforcement_proposals_case_id", "enforcement_proposals", ["case_id"])
    op.create_index("uq_enforcement_proposals_open_case", "enforcement_proposals", ["case_id"], unique=True,
                    sqlite_where=OPEN, postgresql_where=OPEN)


def downgrade() -> None:
    op.drop_index("uq_enforcement_proposals_open_case", table_name="enforcement_proposals")
    op.drop_index("ix_enforcement_proposals_case_id", table_name="enforcement_proposals")
    op.drop_table("enforcement_proposals")
