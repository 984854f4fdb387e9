"""Indexes for the lists at registry scale (issue 14: every list page p99 under 100 ms at 10,000,000 items).

Revision ID: 0031_list_indexes
Revises: 0030_answer_policies

Each list's default order and its common filters, each ending in the record's own key, so that a keyset page
(`WHERE (sort, key) > (:a, :b) ORDER BY sort, key LIMIT n`) and the capped count read one range of one index
instead of sorting the table: deliveries by day, serial, and serial within a permit; permits by issue day;
applications by day received and by status; sightings by day observed and by country; findings by day, by verdict,
by permit, by delivered item and by when decided (the dashboard's newest findings); the case of a sighting (case_findings by sighting, read for every page of
sightings and findings); cases by day opened and by status; inquiries by day asked; the outbox by status; the audit
trail by entity; on PostgreSQL, the pattern-operator indexes search's prefix matches read. The list is db/reporting/indexes.py's; it is copied here so that this migration stays as it is.
"""
from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0031_list_indexes"
down_revision: str | Sequence[str] | None = "0030_answer_policies"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEXES = (
    ("ix_deliveries_delivered", "deliveries", ("delivered_on", "id")),
    ("ix_deliveries_serial", "deliveries", ("serial", "id")),
    ("ix_deliveries_permit_serial", "deliveries", ("permit_number", "serial", "id")),
    ("ix_permits_issued", "permits", ("issued_on", "number")),
    ("ix_applications_received", "applications", ("received_on", "number")),
    ("ix_applications_status", "applications", ("status", "received_on", "number")),
    ("ix_sightings_observed", "sightings", ("observed_on", "id")),
    ("ix_sightings_country", "sightings", ("country", "observed_on", "id")),
    ("ix_findings_observed", "findings", ("observed_on", "sighting_id")),
    ("ix_findings_verdict_observed", "findings", ("verdict", "observed_on", "sighting_id")),
    ("ix_findings_permit", "findings", ("permit_number", "observed_on")),
    ("ix_findings_delivery", "findings", ("delivery_id",)),
    ("ix_findings_decided", "findings", ("decided_at", "sighting_id")),
    ("ix_case_findings_sighting", "case_findings", ("sighting_id", "case_id")),
    ("ix_cases_opened", "cases", ("opened_on", "id")),
    ("ix_cases_status_opened", "cases", ("status", "opened_on", "id")),
    ("ix_case_inquiries_asked", "case_inquiries", ("asked_on", "id")),
    ("ix_outbox_status_id", "outbox", ("status", "id")),
    ("ix_audit_log_entity_seq", "audit_log", ("entity", "seq")),
)

# PostgreSQL only: LIKE 'prefix%' (search's record numbers and name keys) reads a btree index only in the C
# collation or through the pattern operator class.
PREFIX_INDEXES = (
    ("ix_permits_number_prefix", "permits", "number"),
    ("ix_applications_number_prefix", "applications", "number"),
    ("ix_cases_id_prefix", "cases", "id"),
    ("ix_sightings_id_prefix", "sightings", "id"),
    ("ix_party_names_key_prefix", "party_names", "name_key"),
)


def upgrade() -> None:
    for name, table, columns in INDEXES:
        op.create_index(name, table, list(columns))
    if op.get_bind().dialect.name == "postgresql":
        for name, table, column in PREFIX_INDEXES:
            op.create_index(name, table, [column], postgresql_ops={column: "varchar_pattern_ops"})


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for name, table, _column in reversed(PREFIX_INDEXES):
            op.drop_index(name, table)
    for name, table, _columns in reversed(INDEXES):
        op.drop_index(name, table)
