"""Enforcement and case files: enforcement actions, contacts, notification outbox, case notes,
evidence files and inquiries.

Revision ID: 0004_enforcement
Revises: 0002_detection (the `cases` table the case-file tables refer to)
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004_enforcement"
down_revision: str | Sequence[str] | None = "0002_detection"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _case_fk(table: str) -> list[sa.ForeignKeyConstraint]:
    return [sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=f"fk_{table}_case_id_cases")]


def upgrade() -> None:
    op.create_table(
        "enforcement_actions",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("action", sa.String(20), nullable=False),
        sa.Column("scope", sa.JSON(), nullable=False),
        sa.Column("effective_on", sa.Date(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("reference", sa.Text(), nullable=False),
        sa.Column("decided_by", sa.String(200), nullable=False),
        sa.Column("decided_at", sa.String(40), nullable=False),
        sa.Column("case_id", sa.String(40), nullable=True),
        sa.Column("permits", sa.JSON(), nullable=False),
        sa.Column("applications", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_enforcement_actions"),
        *_case_fk("enforcement_actions"),
    )
    op.create_index("ix_enforcement_actions_case_id", "enforcement_actions", ["case_id"])
    op.create_table(
        "contacts",
        sa.Column("party_id", sa.String(100), nullable=False),
        sa.Column("email", sa.String(300), nullable=False),
        sa.PrimaryKeyConstraint("party_id", name="pk_contacts"),
        sa.ForeignKeyConstraint(["party_id"], ["parties.id"], name="fk_contacts_party_id_parties"),
    )
    op.create_table(
        "outbox",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("message_id", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(30), nullable=False),
        sa.Column("party_id", sa.String(100), nullable=True),
        sa.Column("to_address", sa.String(300), server_default="", nullable=False),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("action_id", BigId, nullable=True),
        sa.Column("case_id", sa.String(40), nullable=True),
        sa.Column("created_at", sa.String(40), nullable=False),
        sa.Column("status", sa.String(20), server_default="pending", nullable=False),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("next_attempt_at", sa.String(40), nullable=False),
        sa.Column("claimed_by", sa.String(64), nullable=True),
        sa.Column("claimed_until", sa.String(40), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("sent_at", sa.String(40), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_outbox"),
        sa.UniqueConstraint("message_id", name="uq_outbox_message_id"),
        sa.ForeignKeyConstraint(["party_id"], ["parties.id"], name="fk_outbox_party_id_parties"),
        sa.ForeignKeyConstraint(["action_id"], ["enforcement_actions.id"],
                                name="fk_outbox_action_id_enforcement_actions"),
    )
    op.create_index("ix_outbox_due", "outbox", ["status", "next_attempt_at"])
    op.create_table(
        "case_notes",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("case_id", sa.String(40), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("written_on", sa.Date(), nullable=False),
        sa.Column("written_by", sa.String(200), nullable=False),
        sa.Column("written_at", sa.String(40), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_case_notes"),
        *_case_fk("case_notes"),
    )
    op.create_index("ix_case_notes_case_id", "case_notes", ["case_id"])
    op.create_table(
        "evidence_files",
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("stored_at", sa.String(40), nullable=False),
        sa.Column("stored_by", sa.String(200), nullable=False),
        sa.PrimaryKeyConstraint("sha256", name="pk_evidence_files"),
    )
    op.create_table(
        "case_evidence",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("case_id", sa.String(40), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("filename", sa.String(300), nullable=False),
        sa.Column("description", sa.Text(), server_default="", nullable=False),
        sa.Column("added_by", sa.String(200), nullable=False),
        sa.Column("added_at", sa.String(40), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_case_evidence"),
        sa.UniqueConstraint("case_id", "sha256", name="uq_case_evidence_file"),
        sa.ForeignKeyConstraint(["sha256"], ["evidence_files.sha256"],
                                name="fk_case_evidence_sha256_evidence_files"),
        *_case_fk("case_evidence"),
    )
    op.create_index("ix_case_evidence_case_id", "case_evidence", ["case_id"])
    op.create_table(
        "case_inquiries",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("case_id", sa.String(40), nullable=False),
        sa.Column("to_party", sa.String(300), nullable=False),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("asked_on", sa.Date(), nullable=False),
        sa.Column("asked_by", sa.String(200), nullable=False),
        sa.Column("answer", sa.Text(), nullable=True),
        sa.Column("answered_on", sa.Date(), nullable=True),
        sa.Column("answered_by", sa.String(200), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_case_inquiries"),
        *_case_fk("case_inquiries"),
    )
    op.create_index("ix_case_inquiries_case_id", "case_inquiries", ["case_id"])


def downgrade() -> None:
    for table in ("case_inquiries", "case_evidence", "evidence_files", "case_notes", "outbox", "contacts",
                  "enforcement_actions"):
        op.drop_table(table)
