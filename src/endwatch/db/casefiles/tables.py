"""The casefiles area's tables: cases, the findings each holds, recommended actions (migration 0002_detection),
notes, evidence files and their links to cases, and inquiries (migration 0004_enforcement).

The foreign keys of `case_notes`, `case_evidence` and `case_inquiries` to `cases.id` are declared in the
migration only, as they always were.
"""

from __future__ import annotations

import sqlalchemy as sa

from endwatch.db.tables import BigId, metadata

cases = sa.Table(
    "cases",
    metadata,
    sa.Column("id", sa.String(40), primary_key=True),
    sa.Column("title", sa.Text, nullable=False),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("opened_on", sa.Date, nullable=False),
    sa.Column("closed_on", sa.Date),
    sa.Column("consignee_id", sa.String(100), sa.ForeignKey("parties.id")),
    sa.Column("observed_user_id", sa.String(100), sa.ForeignKey("parties.id")),
    sa.Column("opened_by", sa.String(200), nullable=False),
    sa.Column("summary", sa.Text, nullable=False, server_default=""),
    sa.Column("assigned_to", sa.String(200)),
)

case_findings = sa.Table(
    "case_findings",
    metadata,
    sa.Column("case_id", sa.String(40), sa.ForeignKey("cases.id"), primary_key=True),
    sa.Column("sighting_id", sa.String(100), sa.ForeignKey("sightings.id"), primary_key=True),
)

case_actions = sa.Table(
    "case_actions",
    metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("case_id", sa.String(40), sa.ForeignKey("cases.id"), nullable=False, index=True),
    sa.Column("kind", sa.String(30), nullable=False),
    sa.Column("target", sa.String(100), nullable=False),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("decided_at", sa.String(40)),
    sa.Column("decided_by", sa.String(200)),
)

case_notes = sa.Table(
    "case_notes",
    metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("case_id", sa.String(40), nullable=False, index=True),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("written_on", sa.Date, nullable=False),
    sa.Column("written_by", sa.String(200), nullable=False),
    sa.Column("written_at", sa.String(40), nullable=False),
)

# Each distinct file once, by content. The bytes live under $ENDWATCH_HOME/evidence/<sha256[:2]>/<sha256>.
evidence_files = sa.Table(
    "evidence_files",
    metadata,
    sa.Column("sha256", sa.String(64), primary_key=True),
    sa.Column("size", sa.BigInteger, nullable=False),
    sa.Column("stored_at", sa.String(40), nullable=False),
    sa.Column("stored_by", sa.String(200), nullable=False),
)

case_evidence = sa.Table(
    "case_evidence",
    metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("case_id", sa.String(40), nullable=False, index=True),
    sa.Column("sha256", sa.String(64), sa.ForeignKey("evidence_files.sha256"), nullable=False),
    sa.Column("filename", sa.String(300), nullable=False),
    sa.Column("description", sa.Text, nullable=False, server_default=""),
    sa.Column("added_by", sa.String(200), nullable=False),
    sa.Column("added_at", sa.String(40), nullable=False),
    sa.UniqueConstraint("case_id", "sha256", name="uq_case_evidence_file"),
)

case_inquiries = sa.Table(
    "case_inquiries",
    metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("case_id", sa.String(40), nullable=False, index=True),
    sa.Column("to_party", sa.String(300), nullable=False),
    sa.Column("question", sa.Text, nullable=False),
    sa.Column("asked_on", sa.Date, nullable=False),
    sa.Column("asked_by", sa.String(200), nullable=False),
    sa.Column("answer", sa.Text),
    sa.Column("answered_on", sa.Date),
    sa.Column("answered_by", sa.String(200)),
    sa.Column("due_on", sa.Date),
    sa.Column("reminded_on", sa.Date),
)
