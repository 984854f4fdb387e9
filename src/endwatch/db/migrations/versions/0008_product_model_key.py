"""products.model_key: the model name normalised, so that a product is found by its own model as typed.

Revision ID: 0008_product_model_key
Revises: 0007_enforcement_proposals

Before this, lookups by model compared the raw model text with a normalised key, so "S-15" was found
only through an alias. Existing rows are backfilled with the same normalisation the code writes.
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from endwatch.domain.names import normalise_name

revision: str = "0008_product_model_key"
down_revision: str | Sequence[str] | None = "0007_enforcement_proposals"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_CHUNK = 5000


def upgrade() -> None:
    # SQLite adds a NOT NULL column only with a default, and removing that default afterwards would mean
    # rebuilding `products`, which with foreign keys enforced would cascade into its aliases and categories.
    # So the column is added NOT NULL DEFAULT '' everywhere, backfilled, and the default dropped on PostgreSQL.
    op.add_column("products", sa.Column("model_key", sa.String(length=200), nullable=False, server_default=""))
    _backfill_model_key()
    if op.get_bind().dialect.name == "postgresql":
        op.alter_column("products", "model_key", server_default=None)
    op.create_index("ix_products_model_key", "products", ["model_key"])


def _backfill_model_key() -> None:
    """Set model_key for every existing product, in chunks by id."""
    bind = op.get_bind()
    p = sa.table("products", sa.column("id", sa.String()), sa.column("model", sa.String()),
                 sa.column("model_key", sa.String()))
    last = ""
    while True:
        rows = bind.execute(sa.select(p.c.id, p.c.model).where(p.c.id > last).order_by(p.c.id).limit(_CHUNK)).all()
        if not rows:
            return
        bind.execute(p.update().where(p.c.id == sa.bindparam("b_id")).values(model_key=sa.bindparam("b_key")),
                     [{"b_id": r.id, "b_key": normalise_name(r.model)} for r in rows])
        last = rows[-1].id


def downgrade() -> None:
    op.drop_index("ix_products_model_key", table_name="products")
    op.drop_column("products", "model_key")
