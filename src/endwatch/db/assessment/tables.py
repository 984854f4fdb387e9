"""Assessment tables: evidence (conflicts, reported transfers, restricted-party lists and hits),
stored assessments, decisions and the watch list. Created by migration 0003_assessment."""

from __future__ import annotations

import sqlalchemy as sa

from endwatch.db.tables import BigId, metadata

conflicts = sa.Table(
    "conflicts",
    metadata,
    sa.Column("id", sa.String(100), primary_key=True),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("countries", sa.JSON, nullable=False),
    sa.Column("party_ids", sa.JSON, nullable=False),
    sa.Column("started_on", sa.Date, nullable=False),
    sa.Column("ended_on", sa.Date),
    sa.Column("source", sa.Text, nullable=False, server_default=""),
    # Added by 0011_conflict_roles.
    sa.Column("intensity", sa.Integer),
    sa.Column("roles", sa.JSON),
    sa.Column("known_on", sa.Date),
    sa.Column("series", sa.String(100), nullable=False, server_default="", index=True),
    sa.Column("kind", sa.String(60), nullable=False, server_default=""),
)

transfers = sa.Table(
    "transfers",
    metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("supplier_id", sa.String(100), sa.ForeignKey("parties.id"), index=True),
    sa.Column("recipient_id", sa.String(100), sa.ForeignKey("parties.id")),
    sa.Column("recipient_country", sa.String(2), nullable=False),
    sa.Column("item", sa.Text, nullable=False),
    sa.Column("reported_on", sa.Date, nullable=False),
    sa.Column("source", sa.Text, nullable=False, server_default=""),
    # Added by 0014_transfer_register.
    sa.Column("reference", sa.String(200), nullable=False, server_default="", index=True),
    sa.Column("supplier_country", sa.String(2), index=True),
    sa.Column("recipient_name", sa.Text, nullable=False, server_default=""),
    sa.Column("recipient_kind", sa.Text, nullable=False, server_default=""),
    sa.Column("designation", sa.Text, nullable=False, server_default=""),
    sa.Column("description", sa.Text, nullable=False, server_default=""),
    sa.Column("manufacturer", sa.Text, nullable=False, server_default=""),
    sa.Column("comments", sa.Text, nullable=False, server_default=""),
    sa.Column("ordered", sa.Integer),
    sa.Column("delivered", sa.Integer),
    sa.Column("order_year", sa.Integer),
    sa.Column("delivery_years", sa.JSON),
    sa.Column("uncertain", sa.JSON),
    sa.Column("second_hand", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("licensed_production", sa.Boolean, nullable=False, server_default=sa.false()),
)

screening_entities = sa.Table(
    "screening_entities",
    metadata,
    sa.Column("id", sa.String(300), primary_key=True),
    sa.Column("schema", sa.String(50), nullable=False),
    sa.Column("caption", sa.Text, nullable=False),
    sa.Column("names", sa.JSON, nullable=False),
    sa.Column("countries", sa.JSON, nullable=False),
    sa.Column("dataset", sa.String(200), nullable=False),
    sa.Column("listed_on", sa.Date, nullable=False),
    sa.Column("loaded_at", sa.String(40), nullable=False),
    sa.Column("source_file", sa.Text, nullable=False, server_default=""),
    sa.Column("programme", sa.Text, nullable=False, server_default=""),
    sa.Column("authority", sa.Text, nullable=False, server_default=""),
    sa.Column("digest", sa.String(64), nullable=False, server_default=""),
    sa.Column("delisted_on", sa.Date),
    sa.Column("identifiers", sa.Text),  # "property:value" joined by "; "; NULL: none
    sa.Column("birth_dates", sa.Text),  # as listed (partial dates too), joined by "; "; NULL: none
    sa.Index("ix_screening_entities_dataset", "dataset"),
)

screening_listings = sa.Table(
    "screening_listings",  # created by 0027_screening_listings: every interval an entity was listed, per list
    metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("entity_id", sa.String(300), sa.ForeignKey("screening_entities.id"), nullable=False),
    sa.Column("dataset", sa.String(200), nullable=False),
    sa.Column("listed_on", sa.Date, nullable=False),
    sa.Column("delisted_on", sa.Date),
    sa.UniqueConstraint("entity_id", "dataset", "listed_on", name="uq_screening_listings_start"),
    sa.Index("ix_screening_listings_dataset", "dataset"),
)

screening_parties = sa.Table(
    "screening_parties",  # created by 0021_screening_parties: each party's digest as last screened
    metadata,
    sa.Column("party_id", sa.String(100), primary_key=True),
    sa.Column("digest", sa.String(64), nullable=False),
)

screening_reviews = sa.Table(
    "screening_reviews",  # created by 0022_screening_reviews: officers' reviews of hits, every one kept
    metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("party_id", sa.String(100), nullable=False),
    sa.Column("entity_id", sa.String(300), nullable=False),
    sa.Column("verdict", sa.String(10), nullable=False),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("party_digest", sa.String(64), nullable=False),
    sa.Column("entity_digest", sa.String(64), nullable=False),
    sa.Column("reviewed_by", sa.String(200), nullable=False),
    sa.Column("reviewed_at", sa.String(40), nullable=False),
    sa.Column("state", sa.String(20), nullable=False),
    sa.Column("second_by", sa.String(200)),
    sa.Column("second_at", sa.String(40)),
    sa.Index("ix_screening_reviews_pair", "party_id", "entity_id"),
)

screening_lists = sa.Table(
    "screening_lists",  # created by 0020_screening_lists: each list's last load
    metadata,
    sa.Column("dataset", sa.String(200), primary_key=True),
    sa.Column("version", sa.String(100), nullable=False),
    sa.Column("kind", sa.String(10), nullable=False),
    sa.Column("loaded_on", sa.Date, nullable=False),
    sa.Column("loaded_at", sa.String(40), nullable=False),
    sa.Column("file", sa.Text, nullable=False),
    sa.Column("removed_on", sa.Date),
)

screening_hits = sa.Table(
    "screening_hits",
    metadata,
    sa.Column("party_id", sa.String(100), sa.ForeignKey("parties.id"), primary_key=True),
    sa.Column("entity_id", sa.String(300), sa.ForeignKey("screening_entities.id"), primary_key=True),
    sa.Column("party_name", sa.Text, nullable=False),
    sa.Column("matched_name", sa.Text, nullable=False),
    sa.Column("score", sa.Float, nullable=False),
    sa.Column("how", sa.String(60), nullable=False, server_default=""),
    sa.Column("parts", sa.Text, nullable=False, server_default=""),
    sa.Column("strong", sa.Boolean, nullable=False, server_default=sa.false()),
)

evidence_items = sa.Table(
    "evidence_items",  # created by 0015_evidence_items: evidence stored once, by digest
    metadata,
    sa.Column("digest", sa.String(64), primary_key=True),
    sa.Column("kind", sa.String(20), nullable=False),
    sa.Column("body", sa.JSON, nullable=False),
)

assessments = sa.Table(
    "assessments",
    metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("subject_kind", sa.String(20), nullable=False),
    sa.Column("subject_key", sa.String(100), nullable=False, index=True),
    sa.Column("application_number", sa.String(100), index=True),
    sa.Column("as_of", sa.Date, nullable=False),
    sa.Column("recommendation", sa.String(30), nullable=False),
    sa.Column("conditions", sa.JSON, nullable=False),
    sa.Column("conclusions", sa.JSON, nullable=False),
    sa.Column("indicators", sa.JSON, nullable=False),
    sa.Column("inputs", sa.JSON, nullable=False),
    sa.Column("trigger", sa.Text, nullable=False, server_default=""),
    sa.Column("assessed_at", sa.String(40), nullable=False),
    sa.Column("assessed_by", sa.String(200), nullable=False),
)

decisions = sa.Table(
    "decisions",
    metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("application_number", sa.String(100), sa.ForeignKey("applications.number"), nullable=False,
              index=True),
    sa.Column("decision", sa.String(10), nullable=False),
    sa.Column("state", sa.String(30), nullable=False),
    sa.Column("decided_on", sa.Date, nullable=False),
    sa.Column("decided_by", sa.String(200), nullable=False),
    sa.Column("decided_at", sa.String(40), nullable=False),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("justification", sa.Text),
    sa.Column("exception", sa.Text),
    sa.Column("recommendation", sa.String(30), nullable=False),
    sa.Column("assessment_id", BigId, sa.ForeignKey("assessments.id")),
    sa.Column("needs_second", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("second_by", sa.String(200)),
    sa.Column("second_at", sa.String(40)),
)

watchlist = sa.Table(
    "watchlist",
    metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("subject_kind", sa.String(20), nullable=False),
    sa.Column("subject_key", sa.String(100), nullable=False, index=True),
    sa.Column("as_of", sa.Date, nullable=False),
    sa.Column("before", sa.String(30), nullable=False),
    sa.Column("after", sa.String(30), nullable=False),
    sa.Column("trigger", sa.Text, nullable=False),
    sa.Column("changes", sa.JSON, nullable=False),
    sa.Column("assessment_id", BigId, sa.ForeignKey("assessments.id"), nullable=False),
    sa.Column("added_at", sa.String(40), nullable=False),
    sa.Column("added_by", sa.String(200), nullable=False),
)
