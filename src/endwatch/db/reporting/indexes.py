"""The indexes the lists read (db/reporting/lists.py): each list's default order and its common filters, each
ending in the record's own key, so a keyset page is a range of one index whatever the table's size
(migration 0031_list_indexes creates them)."""

from __future__ import annotations

import sqlalchemy as sa

from endwatch.db.audit import tables as audit_tables
from endwatch.db.casefiles import tables as tc
from endwatch.db.detection import tables as td
from endwatch.db.enforcement import tables as te
from endwatch.db.registry import tables as t

# (name, table, columns): the migration and the metadata are built from this one list.
LIST_INDEXES: tuple[tuple[str, sa.Table, tuple[str, ...]], ...] = (
    ("ix_deliveries_delivered", t.deliveries, ("delivered_on", "id")),
    ("ix_deliveries_serial", t.deliveries, ("serial", "id")),
    ("ix_deliveries_permit_serial", t.deliveries, ("permit_number", "serial", "id")),
    ("ix_permits_issued", t.permits, ("issued_on", "number")),
    ("ix_applications_received", t.applications, ("received_on", "number")),
    ("ix_applications_status", t.applications, ("status", "received_on", "number")),
    ("ix_sightings_observed", td.sightings, ("observed_on", "id")),
    ("ix_sightings_country", td.sightings, ("country", "observed_on", "id")),
    ("ix_findings_observed", td.findings, ("observed_on", "sighting_id")),
    ("ix_findings_verdict_observed", td.findings, ("verdict", "observed_on", "sighting_id")),
    ("ix_findings_permit", td.findings, ("permit_number", "observed_on")),
    ("ix_findings_delivery", td.findings, ("delivery_id",)),
    ("ix_findings_decided", td.findings, ("decided_at", "sighting_id")),
    ("ix_case_findings_sighting", tc.case_findings, ("sighting_id", "case_id")),
    ("ix_cases_opened", tc.cases, ("opened_on", "id")),
    ("ix_cases_status_opened", tc.cases, ("status", "opened_on", "id")),
    ("ix_case_inquiries_asked", tc.case_inquiries, ("asked_on", "id")),
    ("ix_outbox_status_id", te.outbox, ("status", "id")),
    ("ix_audit_log_entity_seq", audit_tables.audit_log, ("entity", "seq")),
)

for _name, _table, _columns in LIST_INDEXES:
    if _name not in {i.name for i in _table.indexes}:
        sa.Index(_name, *(_table.c[c] for c in _columns))


# A party's page (db/reporting/party_records.py) and the lists filtered by a party: the permits naming the party
# in each role, newest first, and the findings of items seen with it (migration 0032_party_indexes creates them).
PARTY_INDEXES: tuple[tuple[str, sa.Table, tuple[str, ...]], ...] = (
    ("ix_permits_exporter_issued", t.permits, ("exporter_id", "issued_on", "number")),
    ("ix_permits_consignee_issued", t.permits, ("consignee_id", "issued_on", "number")),
    ("ix_permits_end_user_issued", t.permits, ("end_user_id", "issued_on", "number")),
    ("ix_findings_observed_user", td.findings, ("observed_user_id", "observed_on", "sighting_id")),
)

for _name, _table, _columns in PARTY_INDEXES:
    if _name not in {i.name for i in _table.indexes}:
        sa.Index(_name, *(_table.c[c] for c in _columns))


# PostgreSQL reads a btree index for `LIKE 'prefix%'` only in the C collation, or through an index with the
# pattern operator class: these serve search's prefix matches on record numbers and name keys (SQLite reads the
# ordinary indexes, by range: db/reporting/search.py). PostgreSQL only.
PREFIX_INDEXES: tuple[tuple[str, sa.Table, str], ...] = (
    ("ix_permits_number_prefix", t.permits, "number"),
    ("ix_applications_number_prefix", t.applications, "number"),
    ("ix_cases_id_prefix", tc.cases, "id"),
    ("ix_sightings_id_prefix", td.sightings, "id"),
    ("ix_party_names_key_prefix", t.party_names, "name_key"),
)

for _name, _table, _column in PREFIX_INDEXES:
    if _name not in {i.name for i in _table.indexes}:
        sa.Index(_name, _table.c[_column], postgresql_ops={_column: "varchar_pattern_ops"}).ddl_if(
            dialect="postgresql")
