"""Restricted-party lists as published: each list's last load, and entities that can be delisted.

Revision ID: 0020_screening_lists
Revises: 0019_screening_strong

- screening_lists: per dataset, the version, kind (full or delta), date and file of its last load, and the
  day it was removed (`endwatch screening remove`).
- screening_entities.programme, .authority: from the Sanction entities naming the entity.
- screening_entities.digest: what screening reads of the entity, hashed (a change is a new digest).
- screening_entities.delisted_on: the day a full export left it out, a delta deleted it or its list was removed.
Existing entities stay listed; a list row is made for each dataset already stored (version "before 0020").
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0020_screening_lists"
down_revision: str | Sequence[str] | None = "0019_screening_strong"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("screening_entities") as batch:
        batch.add_column(sa.Column("programme", sa.Text(), server_default="", nullable=False))
        batch.add_column(sa.Column("authority", sa.Text(), server_default="", nullable=False))
        batch.add_column(sa.Column("digest", sa.String(64), server_default="", nullable=False))
        batch.add_column(sa.Column("delisted_on", sa.Date(), nullable=True))
        batch.create_index("ix_screening_entities_dataset", ["dataset"])
    op.create_table(
        "screening_lists",
        sa.Column("dataset", sa.String(200), primary_key=True),
        sa.Column("version", sa.String(100), nullable=False),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("loaded_on", sa.Date(), nullable=False),
        sa.Column("loaded_at", sa.String(40), nullable=False),
        sa.Column("file", sa.Text(), nullable=False),
        sa.Column("removed_on", sa.Date(), nullable=True),
    )
    op.execute("INSERT INTO screening_lists (dataset, version, kind, loaded_on, loaded_at, file) "
               "SELECT dataset, 'before 0020', 'full', MAX(listed_on), MAX(loaded_at), MAX(source_file) "
               "FROM screening_entities GROUP BY dataset")


def downgrade() -> None:
    op.drop_table("screening_lists")
    with op.batch_alter_table("screening_entities") as batch:
        batch.drop_index("ix_screening_entities_dataset")
        batch.drop_column("delisted_on")
        batch.drop_column("digest")
        batch.drop_column("authority")
        batch.drop_column("programme")
