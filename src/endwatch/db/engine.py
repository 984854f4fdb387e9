"""Engines for SQLite and PostgreSQL, and running the migrations."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

MIGRATIONS = Path(__file__).with_name("migrations")


def _normalise_url(url: str) -> str:
    # A plain postgresql:// URL would pick psycopg2, which endwatch does not install.
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


# The key of the PostgreSQL advisory lock every writing transaction takes first (the bytes of "endw").
WRITE_LOCK_KEY = 0x656E6477

# SQLite's page cache per connection, in KiB (SQLite's own default is 2 MiB). A bulk write grows its connection's
# cache to BULK_CACHE_KIB (db/bulk.py) until the connection goes back to the pool: inserting into a table of
# millions of rows updates each of its indexes at scattered pages, and with 2 MiB nearly every one of those pages
# was read again from the file (200,000 items added to 1,000,000: 29.1 s with 2 MiB, 17.9 s with 256 MiB).
CACHE_KIB = 64 * 1024
BULK_CACHE_KIB = 1024 * 1024
_BULK_CACHE = "endwatch.bulk_cache"


def make_engine(url: str, *, write_wait: float = 10.0, **kwargs: Any) -> sa.Engine:
    """An engine for `url`, on which every transaction that may write takes the database's write lock
    before its first statement, waiting at most `write_wait` seconds for it (then the statement fails
    and db.errors.translate makes it Busy): on SQLite `BEGIN IMMEDIATE`, on PostgreSQL a transaction-level
    advisory lock. Writers therefore take turns from their first read, on both databases alike; read-only
    units of work (execution option `endwatch_readonly`) take no lock and never wait for one.
    SQLite also gets WAL mode and enforced foreign keys."""
    url = _normalise_url(url)
    if url.startswith("sqlite"):
        path = sa.engine.make_url(url).database
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = sa.create_engine(url, connect_args={"timeout": write_wait}, **kwargs)

        @sa.event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            # Let SQLAlchemy issue BEGIN itself so that a transaction really spans every statement.
            dbapi_conn.isolation_level = None
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute(f"PRAGMA cache_size=-{CACHE_KIB}")
            cur.close()

        @sa.event.listens_for(engine, "checkin")
        def _sqlite_cache_back(dbapi_conn: Any, record: Any) -> None:
            # A bulk write's large cache is given back (SQLite frees the pages) before the connection is reused.
            if record is not None and record.info.pop(_BULK_CACHE, False):
                dbapi_conn.execute(f"PRAGMA cache_size=-{CACHE_KIB}")

        @sa.event.listens_for(engine, "begin")
        def _sqlite_begin(conn: sa.Connection) -> None:
            # Writers take the write lock up front, so two writers queue instead of failing midway;
            # read-only units of work begin deferred and never block each other.
            readonly = conn.get_execution_options().get("endwatch_readonly", False)
            conn.exec_driver_sql("BEGIN" if readonly else "BEGIN IMMEDIATE")

        return engine
    engine = sa.create_engine(url, pool_pre_ping=True, **kwargs)
    wait_ms = max(1, int(write_wait * 1000))

    @sa.event.listens_for(engine, "begin")
    def _postgresql_begin(conn: sa.Connection) -> None:
        if conn.get_execution_options().get("endwatch_readonly", False):
            return
        if conn.get_execution_options().get("isolation_level") == "AUTOCOMMIT":
            return  # administration connections (creating databases) write nothing of the registry's
        conn.exec_driver_sql(f"SET LOCAL lock_timeout = {wait_ms}")
        conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({WRITE_LOCK_KEY})")
        conn.exec_driver_sql("SET LOCAL lock_timeout = 0")  # row locks inside the transaction wait as before

    return engine


def alembic_config(engine: sa.Engine) -> Config:
    """An Alembic configuration that runs endwatch's migrations on `engine`."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["engine"] = engine
    return cfg


def upgrade(engine: sa.Engine, revision: str = "heads") -> None:
    """Bring the schema up to `revision` (default: the newest)."""
    command.upgrade(alembic_config(engine), revision)


def schema_status(engine: sa.Engine) -> tuple[set[str], set[str]]:
    """Every revision applied to the database (with their ancestors), and the newest revisions the code knows.

    The schema is up to date when the second set is contained in the first.
    """
    script = ScriptDirectory.from_config(alembic_config(engine))
    with engine.connect() as conn:
        current = MigrationContext.configure(conn).get_current_heads()
    applied = {rev.revision for rev in script.iterate_revisions(current, "base") if rev is not None}
    return applied, set(script.get_heads())


def grow_cache_for_bulk(conn: sa.Connection) -> None:
    """On SQLite, give this connection BULK_CACHE_KIB of page cache until it goes back to the pool (once per
    checkout; a no-op on PostgreSQL, whose cache is the server's)."""
    if conn.dialect.name != "sqlite":
        return
    info = conn.connection.info
    if not info.get(_BULK_CACHE):
        conn.exec_driver_sql(f"PRAGMA cache_size=-{BULK_CACHE_KIB}")
        info[_BULK_CACHE] = True
