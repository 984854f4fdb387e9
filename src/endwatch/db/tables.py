"""The schema machinery every area's tables share: the one `metadata` and its naming convention, and BigId.

Each area declares its tables in db/<area>/tables.py; db/schema.py gathers them. The schema is created only
by migrations (migrations/).
"""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

# Integer keys that can pass 2**31 rows on PostgreSQL and stay rowid aliases on SQLite.
BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
