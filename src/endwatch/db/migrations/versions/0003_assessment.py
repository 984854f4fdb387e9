"""Assessment: conflicts, reported transfers, restricted-party entities and hits, assessments with their
inputs, decisions (four eyes) and the watch list.

Revision ID: 0003_assessment
Revises: 0001_registry
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003_assessment"
down_revision: str | Sequence[str] | None = "0001_registry"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "conflicts",
        sa.Column("id", sa.String(100), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("countries", sa.JSON(), nullable=False),
        sa.Column("party_ids", sa.JSON(), nullable=False),
        sa.Column("started_on", sa.Date(), nullable=False),
        sa.Column("ended_on", sa.Date(), nullable=True),
        sa.Column("source", sa.Text(), server_default="", nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_conflicts"),
    )
    op.create_table(
        "transfers",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("supplier_id", sa.String(100), nullable=False),
        sa.Column("recipient_id", sa.String(100), nullable=True),
        sa.Column("recipient_country", sa.String(2), nullable=False),
        sa.Column("item", sa.Text(), nullable=False),
        sa.Column("reported_on", sa.Date(), nullable=False),
        sa.Column("source", sa.Text(), server_default="", nullable=False),
        sa.ForeignKeyConstraint(["supplier_id"], ["parties.id"], name="fk_transfers_supplier_id_parties"),
        sa.ForeignKeyConstraint(["recipient_id"], ["parties.id"], name="fk_transfers_recipient_id_parties"),
        sa.PrimaryKeyConstraint("id", name="pk_transfers"),
    )
    op.create_index("ix_transfers_supplier_id", "transfers", ["supplier_id"])
    op.create_table(
        "screening_entities",
        sa.Column("id", sa.String(300), nullable=False),
        sa.Column("schema", sa.String(50), nullable=False),
        sa.Column("caption", sa.Text(), nullable=False),
        sa.Column("names", sa.JSON(), nullable=False),
        sa.Column("countries", sa.JSON(), nullable=False),
        sa.Column("dataset", sa.String(200), nullable=False),
        sa.Column("listed_on", sa.Date(), nullable=False),
        sa.Column("loaded_at", sa.String(40), nullable=False),
        sa.Column("source_file", sa.Text(), server_default="", nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_screening_entities"),
    )
    op.create_table(
        "screening_hits",
        sa.Column("party_id", sa.String(100), nullable=False),
        sa.Column("entity_id", sa.String(300), nullable=False),
        sa.Column("party_name", sa.Text(), nullable=False),
        sa.Column("matched_name", sa.Text(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(["party_id"], ["parties.id"], name="fk_screening_hits_party_id_parties"),
        sa.ForeignKeyConstraint(["entity_id"], ["screening_entities.id"],
                                name="fk_screening_hits_entity_id_screening_entities"),
        sa.PrimaryKeyConstraint("party_id", "entity_id", name="pk_screening_hits"),
    )
    op.create_table(
        "assessments",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("subject_kind", sa.String(20), nullable=False),
        sa.Column("subject_key", sa.String(100), nullable=False),
        sa.Column("application_number", sa.String(100), nullable=True),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("recommendation", sa.String(30), nullable=False),
        sa.Column("conditions", sa.JSON(), nullable=False),
        sa.Column("conclusions", sa.JSON(), nullable=False),
        sa.Column("indicators", sa.JSON(), nullable=False),
        sa.Column("inputs", sa.JSON(), nullable=False),
        sa.Column("trigger", sa.Text(), server_default="", nullable=False),
        sa.Column("assessed_at", sa.String(40), nullable=False),
        sa.Column("assessed_by", sa.String(200), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_assessments"),
    )
    op.create_index("ix_assessments_subject_key", "assessments", ["subject_key"])
    op.create_index("ix_assessments_application_number", "assessments", ["application_number"])
    op.create_table(
        "decisions",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("application_number", sa.String(100), nullable=False),
        sa.Column("decision", sa.String(10), nullable=False),
        sa.Column("state", sa.String(30), nullable=False),
        sa.Column("decided_on", sa.Date(), nullable=False),
        sa.Column("decided_by", sa.String(200), nullable=False),
        sa.Column("decided_at", sa.String(40), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("justification", sa.Text(), nullable=True),
        sa.Column("exception", sa.Text(), nullable=True),
        sa.Column("recommendation", sa.String(30), nullable=False),
        sa.Column("assessment_id", BigId, nullable=True),
        sa.Column("needs_second", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("second_by", sa.String(200), nullable=True),
        sa.Column("second_at", sa.String(40), nullable=True),
        sa.ForeignKeyConstraint(["application_number"], ["applications.number"],
                                name="fk_decisions_application_number_applications"),
        sa.ForeignKeyConstraint(["assessment_id"], ["assessments.id"], name="fk_decisions_assessment_id_assessments"),
        sa.PrimaryKeyConstraint("id", name="pk_decisions"),
    )
    op.create_index("ix_decisions_application_number", "decisions", ["application_number"])
    op.create_table(
        "watchlist",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("subject_kind", sa.String(20), nullable=False),
        sa.Column("subject_key", sa.String(100), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("before", sa.String(30), nullable=False),
        sa.Column("after", sa.String(30), nullable=False),
        sa.Column("trigger", sa.Text(), nullable=False),
        sa.Column("changes", sa.JSON(), nullable=False),
        sa.Column("assessment_id", BigId, nullable=False),
        sa.Column("added_at", sa.String(40), nullable=False),
        sa.Column("added_by", sa.String(200), nullable=False),
        sa.ForeignKeyConstraint(["assessment_id"], ["assessments.id"], name="fk_watchlist_assessment_id_assessments"),
        sa.PrimaryKeyConstraint("id", name="pk_watchlist"),
    )
    op.create_index("ix_watchlist_subject_key", "watchlist", ["subject_key"])


def downgrade() -> None:
    for name in ("watchlist", "decisions", "assessments", "screening_hits", "screening_entities", "transfers",
                 "conflicts"):
        op.drop_table(name)
