"""The registry's tables: parties and their names, products with aliases and control-list entries, policies,
applications and permits with their status changes, delivered items and re-transfers."""

from __future__ import annotations

import sqlalchemy as sa

from endwatch.db.tables import BigId, metadata

parties = sa.Table(
    "parties",
    metadata,
    sa.Column("id", sa.String(100), primary_key=True),
    sa.Column("name", sa.String(300), nullable=False),
    sa.Column("kind", sa.String(30), nullable=False),
    sa.Column("country", sa.String(2)),
    sa.Column("parent_id", sa.String(100), sa.ForeignKey("parties.id")),
    sa.Column("identifiers", sa.Text),  # "scheme:value" joined by "; "; NULL: none (row digests skip NULLs)
    sa.Column("birth_date", sa.Date),
)

party_names = sa.Table(
    "party_names",
    metadata,
    sa.Column("party_id", sa.String(100), sa.ForeignKey("parties.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("name", sa.String(300), primary_key=True),
    sa.Column("name_key", sa.String(300), nullable=False, index=True),
    sa.Column("name_kind", sa.String(10), nullable=False),  # name | alias | former
)

products = sa.Table(
    "products",
    metadata,
    sa.Column("id", sa.String(100), primary_key=True),
    sa.Column("manufacturer_id", sa.String(100), sa.ForeignKey("parties.id"), nullable=False, index=True),
    sa.Column("model", sa.String(200), nullable=False),
    # normalise_name(model), what a typed model is compared with (as product_aliases.alias_key is for aliases).
    # On SQLite migration 0008 leaves it a DEFAULT '' (dropping one rebuilds the table); every write sets it.
    sa.Column("model_key", sa.String(200), nullable=False, index=True),
    sa.Column("family", sa.String(100), nullable=False),
    sa.Column("description", sa.Text, nullable=False, server_default=""),
    # TRUE when designated for end-use monitoring (the check programme may select on it); NULL otherwise, so
    # that the column left every older row's audit digest as it was (migration 0025_checks).
    sa.Column("monitoring_designated", sa.Boolean),
)

product_aliases = sa.Table(
    "product_aliases",
    metadata,
    sa.Column("product_id", sa.String(100), sa.ForeignKey("products.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("alias", sa.String(200), primary_key=True),
    sa.Column("alias_key", sa.String(200), nullable=False, index=True),
)

product_categories = sa.Table(
    "product_categories",
    metadata,
    sa.Column("product_id", sa.String(100), sa.ForeignKey("products.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("category", sa.String(50), primary_key=True),
)

policies = sa.Table(
    "policies",
    metadata,
    sa.Column("id", sa.String(150), primary_key=True),
    sa.Column("country", sa.String(2), nullable=False, index=True),
    sa.Column("measure", sa.String(30), nullable=False),
    sa.Column("categories", sa.JSON, nullable=False),
    sa.Column("effective_from", sa.Date, nullable=False),
    sa.Column("effective_to", sa.Date),
    sa.Column("exceptions", sa.JSON, nullable=False),
    sa.Column("reference", sa.Text, nullable=False, server_default=""),
)

def _undertaking() -> list[sa.Column[object]]:
    return [
        sa.Column("end_use", sa.Text, nullable=False, server_default=""),
        sa.Column("no_reexport", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("signatory", sa.String(300)),
        sa.Column("signed_on", sa.Date),
    ]


def _parties_and_goods() -> list[sa.Column[object]]:
    return [
        sa.Column("exporter_id", sa.String(100), sa.ForeignKey("parties.id"), nullable=False, index=True),
        sa.Column("consignee_id", sa.String(100), sa.ForeignKey("parties.id"), nullable=False, index=True),
        sa.Column("end_user_id", sa.String(100), sa.ForeignKey("parties.id"), nullable=False, index=True),
        sa.Column("destination", sa.String(2), nullable=False, index=True),
        sa.Column("product_id", sa.String(100), sa.ForeignKey("products.id"), nullable=False, index=True),
        sa.Column("quantity", sa.Integer, nullable=False),
        sa.Column("value", sa.Numeric(18, 2)),
        sa.Column("currency", sa.String(3)),
        *_undertaking(),
    ]


applications = sa.Table(
    "applications",
    metadata,
    sa.Column("number", sa.String(100), primary_key=True),
    *_parties_and_goods(),
    sa.Column("received_on", sa.Date, nullable=False),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("historical_source", sa.String(200)),  # a record that predates endwatch: its source
)

application_status_changes = sa.Table(
    "application_status_changes",
    metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("application_number", sa.String(100), sa.ForeignKey("applications.number"), nullable=False, index=True),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("effective_on", sa.Date, nullable=False),
    sa.Column("reason", sa.Text, nullable=False, server_default=""),
    sa.Column("reference", sa.Text, nullable=False, server_default=""),
)

permits = sa.Table(
    "permits",
    metadata,
    sa.Column("number", sa.String(100), primary_key=True),
    sa.Column("application_number", sa.String(100), sa.ForeignKey("applications.number")),
    *_parties_and_goods(),
    sa.Column("issued_on", sa.Date, nullable=False),
    sa.Column("expires_on", sa.Date, nullable=False),
    sa.Column("policy_id", sa.String(150), sa.ForeignKey("policies.id")),
    sa.Column("policy_measure", sa.String(30)),
    sa.Column("exception", sa.Text),
    sa.Column("justification", sa.Text),
    sa.Column("historical_source", sa.String(200)),
)

permit_status_changes = sa.Table(
    "permit_status_changes",
    metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("permit_number", sa.String(100), sa.ForeignKey("permits.number"), nullable=False, index=True),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("effective_on", sa.Date, nullable=False),
    sa.Column("reason", sa.Text, nullable=False, server_default=""),
    sa.Column("reference", sa.Text, nullable=False, server_default=""),
    sa.Column("historical_source", sa.String(200)),
    # Set when a scheduled event (dated after the day it was recorded) no longer happens: superseded by an
    # earlier decision that made it impossible. Such rows stay, out of the permit's history.
    sa.Column("superseded", sa.Text),
)

# One row per delivered item. `family` and `manufacturer_id` are copied from the product so that
# serial uniqueness is a plain unique index over the serial key (domain/serials.py). Items that came to share
# a key when the key changed (migration 0016_serial_key) are held for review (`serial_held`, and a row of
# serial_holds each): the index leaves them out, so none had to be merged or dropped; no new item can join
# them, since the registry refuses a serial whose key is stored already, held or not.
deliveries = sa.Table(
    "deliveries",
    metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("permit_number", sa.String(100), sa.ForeignKey("permits.number"), nullable=False, index=True),
    sa.Column("product_id", sa.String(100), sa.ForeignKey("products.id"), nullable=False),
    sa.Column("manufacturer_id", sa.String(100), nullable=False),
    sa.Column("family", sa.String(100), nullable=False),
    sa.Column("serial", sa.String(100), nullable=False),
    sa.Column("serial_norm", sa.String(100), nullable=False, index=True),
    sa.Column("delivered_on", sa.Date, nullable=False),
    sa.Column("recipient_id", sa.String(100), sa.ForeignKey("parties.id"), nullable=False),
    # TRUE when held for review; NULL otherwise (a value on every row would change every row's audit digest).
    sa.Column("serial_held", sa.Boolean),
    sa.Index("uq_deliveries_serial", "manufacturer_id", "family", "serial_norm", unique=True,
             sqlite_where=sa.text("serial_held IS NULL"), postgresql_where=sa.text("serial_held IS NULL")),
)

# Delivered items counted per permit, product and day, kept by database triggers on `deliveries` whatever writes
# it (db/registry/delivered_counts.py): what the public figures, the check plan, the permits' delivered counts
# and the deliveries list's filters by destination or exporter read instead of counting millions of items.
delivered_counts = sa.Table(
    "delivered_counts",
    metadata,
    sa.Column("permit_number", sa.String(100), primary_key=True),
    sa.Column("delivered_on", sa.Date, primary_key=True),
    sa.Column("product_id", sa.String(100), primary_key=True),
    sa.Column("delivered", sa.Integer, nullable=False),
)

# The items held for review because they share a serial key with another item of the same manufacturer and
# product family: why and since when. Held items show in trace as ambiguous, with every candidate.
serial_holds = sa.Table(
    "serial_holds",
    metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("delivery_id", BigId, sa.ForeignKey("deliveries.id"), nullable=False, unique=True),
    sa.Column("manufacturer_id", sa.String(100), nullable=False),
    sa.Column("family", sa.String(100), nullable=False),
    sa.Column("serial_key", sa.String(100), nullable=False, index=True),
    sa.Column("held_at", sa.String(40), nullable=False),
    sa.Column("reason", sa.Text, nullable=False),
)

retransfers = sa.Table(
    "retransfers",
    metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("permit_number", sa.String(100), sa.ForeignKey("permits.number"), nullable=False, index=True),
    sa.Column("serial", sa.String(100)),
    sa.Column("serial_norm", sa.String(100)),
    sa.Column("to_party_id", sa.String(100), sa.ForeignKey("parties.id"), nullable=False),
    sa.Column("authorized_on", sa.Date, nullable=False),
    sa.Column("reference", sa.Text, nullable=False),
)
