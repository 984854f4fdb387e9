"""End-use checks: the check programme's versions, checks with what they cover and what they found, the
products designated for end-use monitoring, and an index for the plan's pass over delivered items.

Revision ID: 0025_checks
Revises: 0024_trace_requests

`products.monitoring_designated` is NULL for every existing product (not designated), which leaves their
audit digests as they were.
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0025_checks"
down_revision: str | Sequence[str] | None = "0024_trace_requests"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.add_column("products", sa.Column("monitoring_designated", sa.Boolean(), nullable=True))
    op.create_index("ix_deliveries_permit_delivered", "deliveries", ["permit_number", "delivered_on"])
    op.create_table(
        "check_programmes",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("effective_from", sa.Date(), nullable=False),
        sa.Column("body", sa.JSON(), nullable=False),
        sa.Column("set_by", sa.String(200), nullable=False),
        sa.Column("set_at", sa.String(40), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False, server_default=""),
        sa.UniqueConstraint("effective_from", name="uq_check_programmes_effective_from"),
    )
    op.create_table(
        "checks",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("planned_on", sa.Date(), nullable=False),
        sa.Column("done_on", sa.Date()),
        sa.Column("inspector", sa.String(300), nullable=False),
        sa.Column("place", sa.Text(), nullable=False, server_default=""),
        sa.Column("by_authority", sa.Boolean(), nullable=False, server_default=sa.true()),
        sa.Column("reliability", sa.String(1), nullable=False, server_default="A"),
        sa.Column("credibility", sa.String(1), nullable=False, server_default="1"),
        sa.Column("outcome", sa.String(20)),
        sa.Column("reasons", sa.Text(), nullable=False, server_default=""),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("created_at", sa.String(40), nullable=False),
    )
    op.create_index("ix_checks_done_on", "checks", ["done_on"])
    op.create_table(
        "check_subjects",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("check_id", BigId, sa.ForeignKey("checks.id"), nullable=False),
        sa.Column("subject_kind", sa.String(20), nullable=False),
        sa.Column("subject_key", sa.String(100), nullable=False),
        sa.UniqueConstraint("check_id", "subject_kind", "subject_key", name="uq_check_subjects_check_id"),
    )
    op.create_index("ix_check_subjects_subject", "check_subjects", ["subject_kind", "subject_key"])
    op.create_table(
        "check_items",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("check_id", BigId, sa.ForeignKey("checks.id"), nullable=False),
        sa.Column("serial", sa.String(100), nullable=False),
        sa.Column("model", sa.String(200), nullable=False, server_default=""),
        sa.Column("place", sa.Text(), nullable=False, server_default=""),
        sa.Column("user_id", sa.String(100)),
        sa.Column("user_name", sa.String(300), nullable=False, server_default=""),
        sa.Column("condition", sa.String(100), nullable=False, server_default=""),
        sa.Column("source", sa.String(20), nullable=False),
        sa.Column("sighting_number", sa.String(100)),
    )
    op.create_index("ix_check_items_check_id", "check_items", ["check_id"])
    op.create_table(
        "check_photos",
        sa.Column("check_id", BigId, sa.ForeignKey("checks.id"), primary_key=True),
        sa.Column("sha256", sa.String(64), primary_key=True),
        sa.Column("filename", sa.Text(), nullable=False),
        sa.Column("added_by", sa.String(200), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("check_photos")
    op.drop_index("ix_check_items_check_id", "check_items")
    op.drop_table("check_items")
    op.drop_index("ix_check_subjects_subject", "check_subjects")
    op.drop_table("check_subjects")
    op.drop_index("ix_checks_done_on", "checks")
    op.drop_table("checks")
    op.drop_table("check_programmes")
    op.drop_index("ix_deliveries_permit_delivered", "deliveries")
    with op.batch_alter_table("products") as batch:
        batch.drop_column("monitoring_designated")
