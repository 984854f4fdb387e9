"""Sign-in attempts counted where every server worker and every `endwatch login` sees them, without the
registry's write lock (services/accounts/signin_limits.SignInCounts; docs/operations.md, "Failed sign-ins").

Each call is one statement on a connection in autocommit mode, so no transaction stays open and nothing
waits for a registry write:
- PostgreSQL: the table `signin_failures` of the registry's database. The advisory write lock is taken only
  when a transaction begins on a connection that is not in autocommit (db.engine), so these statements
  never take it; a row insert waits for no one.
- SQLite: a small database file of its own beside the registry's (`<database>.signin`), since SQLite has
  one write lock per file: counting in the registry's file would make every anonymous attempt wait for
  (and hold up) the registry's writers.
Rows hold the SHA-256 key of a canonical username or of a client address and the time; they are not
audited (db/audit/capture.py leaves the table out) and rows older than the window are deleted.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from endwatch.db.accounts.tables import signin_failures

_c = signin_failures.c


def _iso(seconds: float) -> str:
    # One fixed format (microseconds always shown), so that text order is time order.
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%S.%f+00:00")


class SqlSignInCounts:
    """SignInCounts in the table `signin_failures` of `engine`, one autocommit statement per call."""

    def __init__(self, engine: sa.Engine) -> None:
        self._engine = engine

    def _run(self, statement: sa.Executable) -> list[Any]:
        with self._engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            result = conn.execute(statement)
            return list(result.scalars()) if result.returns_rows else []

    def keys(self) -> set[str]:
        """Every key counted now (for inspection: they are hashes, never a name or an address)."""
        return {str(k) for k in self._run(sa.select(_c.username_key).distinct())}

    def recent(self, key: str, since: float) -> list[float]:
        q = sa.select(_c.failed_at).where(_c.username_key == key, _c.failed_at > _iso(since)).order_by(_c.failed_at)
        return [datetime.fromisoformat(str(at)).timestamp() for at in self._run(q)]

    def add(self, key: str, at: float) -> None:
        self._run(signin_failures.insert().values(username_key=key, failed_at=_iso(at)))

    def forget(self, key: str) -> None:
        self._run(signin_failures.delete().where(_c.username_key == key))

    def prune(self, before: float) -> None:
        self._run(signin_failures.delete().where(_c.failed_at <= _iso(before)))


def side_file_for(database_url: str, home: Path) -> Path:
    """The SQLite file that holds the sign-in counts of the SQLite registry at `database_url`: beside it
    (`endwatch.db.signin`), or under `home` for a database in memory."""
    path = sa.engine.make_url(database_url).database
    if not path or path == ":memory:":
        return home / "signin-counts.db"
    return Path(path).with_name(Path(path).name + ".signin")


def sqlite_side_engine(path: Path) -> sa.Engine:
    """An engine on the sign-in counts' own SQLite file, its one table created when missing."""
    path.parent.mkdir(parents=True, exist_ok=True)
    engine = sa.create_engine(f"sqlite:///{path}", connect_args={"timeout": 5.0}, poolclass=sa.pool.NullPool)

    @sa.event.listens_for(engine, "connect")
    def _wal(dbapi_conn: Any, _record: Any) -> None:
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")  # readers in one worker never wait for the other's insert
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()

    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        # IF NOT EXISTS: two server workers starting together both ask for it.
        conn.exec_driver_sql("CREATE TABLE IF NOT EXISTS signin_failures (id INTEGER PRIMARY KEY AUTOINCREMENT,"
                             " username_key VARCHAR(64) NOT NULL, failed_at VARCHAR(40) NOT NULL)")
        conn.exec_driver_sql("CREATE INDEX IF NOT EXISTS ix_signin_failures_username_key"
                             " ON signin_failures (username_key)")
    return engine
