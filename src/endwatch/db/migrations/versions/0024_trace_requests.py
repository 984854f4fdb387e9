"""Trace requests in and out (their serials and attached files) and the deadline notices sent for anything
with a due date (trace requests, case inquiries, checks): one row per reminder or escalation, so each is sent once.

Revision ID: 0024_trace_requests
Revises: 0023_case_work
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0024_trace_requests"
down_revision: str | Sequence[str] | None = "0023_case_work"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "trace_requests",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("reference", sa.String(40), nullable=False, unique=True),
        sa.Column("direction", sa.String(10), nullable=False),
        sa.Column("counterpart_kind", sa.String(20), nullable=False),
        sa.Column("counterpart", sa.String(300), nullable=False),
        sa.Column("party_id", sa.String(100), sa.ForeignKey("parties.id")),
        sa.Column("contact", sa.String(300)),
        sa.Column("their_reference", sa.String(200), nullable=False, server_default=""),
        sa.Column("question", sa.Text, nullable=False),
        sa.Column("opened_on", sa.Date, nullable=False),
        sa.Column("due_on", sa.Date, nullable=False),
        sa.Column("opened_by", sa.String(200), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("answer", sa.Text),
        sa.Column("answered_on", sa.Date),
        sa.Column("answered_by", sa.String(200)),
        sa.Column("closed_on", sa.Date),
        sa.Column("close_reason", sa.Text),
        sa.Column("finding", sa.String(100), sa.ForeignKey("findings.sighting_id")),
        sa.Column("case_id", sa.String(40), sa.ForeignKey("cases.id")),
    )
    op.create_index("ix_trace_requests_status_due", "trace_requests", ["status", "due_on"])
    op.create_index("ix_trace_requests_party", "trace_requests", ["party_id"])
    op.create_table(
        "trace_request_serials",
        sa.Column("request_id", BigId, sa.ForeignKey("trace_requests.id"), primary_key=True),
        sa.Column("position", sa.Integer, primary_key=True),
        sa.Column("serial", sa.Text, nullable=False),
        sa.Column("serial_key", sa.Text, nullable=False),
    )
    op.create_index("ix_trace_request_serials_serial_key", "trace_request_serials", ["serial_key"])
    op.create_table(
        "trace_request_files",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("request_id", BigId, sa.ForeignKey("trace_requests.id"), nullable=False),
        sa.Column("sha256", sa.String(64), sa.ForeignKey("evidence_files.sha256"), nullable=False),
        sa.Column("filename", sa.String(300), nullable=False),
        sa.Column("description", sa.Text, nullable=False, server_default=""),
        sa.Column("added_by", sa.String(200), nullable=False),
        sa.Column("added_at", sa.String(40), nullable=False),
        sa.UniqueConstraint("request_id", "sha256", name="uq_trace_request_files"),
    )
    op.create_index("ix_trace_request_files_request_id", "trace_request_files", ["request_id"])
    op.create_table(
        "deadline_notices",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("subject", sa.String(30), nullable=False),
        sa.Column("subject_key", sa.String(100), nullable=False),
        sa.Column("notice", sa.String(20), nullable=False),
        sa.Column("due_on", sa.Date, nullable=False),
        sa.Column("sent_on", sa.Date, nullable=False),
        sa.Column("message_id", sa.String(200), nullable=False),
        sa.UniqueConstraint("subject", "subject_key", "notice", "due_on", name="uq_deadline_notices"),
    )


def downgrade() -> None:
    for name in ("deadline_notices", "trace_request_files", "trace_request_serials", "trace_requests"):
        op.drop_table(name)
