"""Indexes for a party's page at registry scale (issue 14): the permits naming a party in each role, newest first,
and the findings of items seen with a party.

Revision ID: 0032_party_indexes
Revises: 0031_list_indexes

A party's page counts and lists the newest permits naming it as exporter, consignee or end user, and counts the
findings of items seen with it: each a range of one index instead of every permit of the party sorted. The permits
list filtered by exporter, consignee or end user (its default order: issue day) reads the same ranges. The list is
db/reporting/indexes.py's PARTY_INDEXES; it is copied here so that this migration stays as it is.
"""
from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0032_party_indexes"
down_revision: str | Sequence[str] | None = "0031_list_indexes"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEXES = (
    ("ix_permits_exporter_issued", "permits", ("exporter_id", "issued_on", "number")),
    ("ix_permits_consignee_issued", "permits", ("consignee_id", "issued_on", "number")),
    ("ix_permits_end_user_issued", "permits", ("end_user_id", "issued_on", "number")),
    ("ix_findings_observed_user", "findings", ("observed_user_id", "observed_on", "sighting_id")),
)


def upgrade() -> None:
    for name, table, columns in INDEXES:
        op.create_index(name, table, list(columns))


def downgrade() -> None:
    for name, table, _columns in reversed(INDEXES):
        op.drop_index(name, table)
