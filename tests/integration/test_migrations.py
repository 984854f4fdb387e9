"""The schema exists only through migrations: they build exactly the tables the code declares, on both
databases, and downgrade cleanly."""

import importlib
import pkgutil

import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

import endwatch.db
from endwatch.db.engine import alembic_config, schema_status, upgrade
from endwatch.db.schema import metadata


def _all_tables() -> sa.MetaData:
    for module in pkgutil.iter_modules(endwatch.db.__path__):
        if module.name.startswith("tables"):
            importlib.import_module(f"endwatch.db.{module.name}")
    return metadata


def test_migrations_match_the_declared_tables(ew):
    meta = _all_tables()
    with ew.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": False}), meta)
    # Index and constraint naming may differ in form between dialects; tables and columns may not.
    structural = [d for d in diff if d[0] in ("add_table", "remove_table", "add_column", "remove_column")]
    assert structural == [], structural


def test_single_head_and_up_to_date(ew):
    applied, heads = schema_status(ew.engine)
    assert len(heads) == 1
    assert heads <= applied


def test_downgrade_to_base_and_upgrade_again(ew):
    command.downgrade(alembic_config(ew.engine), "base")
    names = set(sa.inspect(ew.engine).get_table_names()) - {"alembic_version"}
    assert names == set()
    upgrade(ew.engine)
    assert {"parties", "permits", "deliveries", "audit_log", "sightings", "cases"} <= set(
        sa.inspect(ew.engine).get_table_names())
