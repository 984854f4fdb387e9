"""The policy on counting overdue answers against a party, versioned by effective date.

Revision ID: 0030_answer_policies
Revises: 0029_check_series

- answer_policies: one row per version (`endwatch deadlines policy --from DAY`): from which day overdue answers
  count against a party in assessments, or stop counting; who set it, when and why. Assessments use the version
  in force on their own date. The undated policy kept until now in system_settings
  (`policy.count_overdue_answers`) becomes the first version, effective from 0001-01-01 (it applied to every
  date), and its key is removed; a policy never set leaves the table empty (nothing counts).
"""
from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime

import sqlalchemy as sa
from alembic import op

revision: str = "0030_answer_policies"
down_revision: str | Sequence[str] | None = "0029_check_series"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KEY = "policy.count_overdue_answers"


def upgrade() -> None:
    table = op.create_table(
        "answer_policies",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True, autoincrement=True),
        sa.Column("effective_from", sa.Date, nullable=False),
        sa.Column("counts", sa.Boolean, nullable=False),
        sa.Column("set_by", sa.String(200), nullable=False),
        sa.Column("set_at", sa.String(40), nullable=False),
        sa.Column("reason", sa.Text, nullable=False, server_default=""),
        sa.UniqueConstraint("effective_from", name="uq_answer_policies_effective_from"),
    )
    conn = op.get_bind()
    settings = sa.table("system_settings", sa.column("key", sa.String), sa.column("value", sa.Text))
    old = conn.execute(sa.select(settings.c.value).where(settings.c.key == KEY)).scalar()
    if old is not None:
        if old == "yes":
            op.bulk_insert(table, [{"effective_from": date(1, 1, 1), "counts": True, "set_by": "migration",
                                    "set_at": datetime.now(UTC).isoformat(timespec="seconds"),
                                    "reason": "the undated policy set before versions existed (it applied to every"
                                              " date)"}])
        conn.execute(settings.delete().where(settings.c.key == KEY))


def downgrade() -> None:
    conn = op.get_bind()
    policies = sa.table("answer_policies", sa.column("effective_from", sa.Date), sa.column("counts", sa.Boolean))
    latest = conn.execute(sa.select(policies.c.counts).order_by(policies.c.effective_from.desc()).limit(1)).scalar()
    if latest is not None:
        settings = sa.table("system_settings", sa.column("key", sa.String), sa.column("value", sa.Text))
        conn.execute(settings.insert().values(key=KEY, value="yes" if latest else "no"))
    op.drop_table("answer_policies")
