"""SQLite's page cache: each connection gets endwatch's (not SQLite's 2 MiB); a bulk write grows its connection's
cache and the connection gives it back when it returns to the pool. (PostgreSQL's cache is the server's.)"""

import sqlalchemy as sa

from endwatch.db.bulk import bulk_insert
from endwatch.db.engine import BULK_CACHE_KIB, CACHE_KIB, make_engine, upgrade
from endwatch.db.registry import tables as t


def _cache(conn: sa.Connection) -> int:
    return int(conn.exec_driver_sql("PRAGMA cache_size").scalar_one())


def test_a_bulk_write_grows_the_cache_until_the_connection_is_back(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'cache.db'}", pool_size=1, max_overflow=0)
    upgrade(engine)
    with engine.connect() as conn:
        assert _cache(conn) == -CACHE_KIB
        conn.rollback()  # the read above began a transaction
        with conn.begin():
            bulk_insert(conn, t.parties, ("id", "name", "kind"), [(f"p-{i}", f"P {i}", "company") for i in range(10)])
            assert _cache(conn) == -CACHE_KIB, "a few rows are no bulk write"
            bulk_insert(conn, t.parties, ("id", "name", "kind"),
                        [(f"q-{i}", f"Q {i}", "company") for i in range(1000)])
            assert _cache(conn) == -BULK_CACHE_KIB
        raw = conn.connection.dbapi_connection
    with engine.connect() as conn:
        assert conn.connection.dbapi_connection is raw, "the same pooled connection"
        assert _cache(conn) == -CACHE_KIB, "given back on its return to the pool"
        assert conn.execute(sa.select(sa.func.count()).select_from(t.parties)).scalar_one() == 1010
    engine.dispose()
