"""Identifiers and birth dates, for screening to weigh for or against a hit.

Revision ID: 0028_party_identifiers
Revises: 0027_screening_listings

- parties.identifiers: the party's identifiers as "scheme:value" joined by "; " (NULL: none);
  parties.birth_date: a person's birth date.
- screening_entities.identifiers: a listed entity's identifying FollowTheMoney properties as
  "property:value" joined by "; "; screening_entities.birth_dates: its birthDate values as listed (a year or
  a month alone too). NULL when there are none, and for entities stored before (the next load that changes
  them fills them). Every new column is NULL on existing rows, so their audited row digests (which leave
  NULL columns out) stay as recorded.
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0028_party_identifiers"
down_revision: str | Sequence[str] | None = "0027_screening_listings"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("parties") as batch:
        batch.add_column(sa.Column("identifiers", sa.Text))
        batch.add_column(sa.Column("birth_date", sa.Date))
    with op.batch_alter_table("screening_entities") as batch:
        batch.add_column(sa.Column("identifiers", sa.Text))
        batch.add_column(sa.Column("birth_dates", sa.Text))


def downgrade() -> None:
    with op.batch_alter_table("screening_entities") as batch:
        batch.drop_column("birth_dates")
        batch.drop_column("identifiers")
    with op.batch_alter_table("parties") as batch:
        batch.drop_column("birth_date")
        batch.drop_column("identifiers")
