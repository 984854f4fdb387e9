"""Alembic environment: runs migrations on the engine endwatch passes in (online mode only)."""

from __future__ import annotations

from alembic import context

from endwatch.db.audit import capture
from endwatch.db.registry import delivered_counts
from endwatch.db.schema import metadata

config = context.config
engine = config.attributes.get("engine")
if engine is None:  # plain `alembic` command line: build the engine from settings
    from endwatch.db.engine import make_engine
    from endwatch.settings import load_settings

    engine = make_engine(load_settings().effective_database_url)

with engine.connect() as connection:
    context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()
        # Every audited table gets the triggers that note its rows for the audit trail, a table added by
        # a later migration included (and one SQLite rebuilt in a batch migration, which drops them).
        capture.install(connection)
        delivered_counts.install(connection)  # the same for the triggers that keep the delivered counts
    connection.commit()
