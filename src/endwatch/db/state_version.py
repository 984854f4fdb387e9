"""The state version read in one statement on a connection kept for it: the web application asks it on
every request, so it must cost one round trip, not a unit of work (pool check-out, ping, BEGIN, ROLLBACK)."""

from __future__ import annotations

import contextlib
import threading
from typing import Any

import sqlalchemy as sa

# The audit chain's head: every write moves it in its own transaction (see services.reporting.state.state_version).
_HEAD_SEQ = "SELECT seq FROM audit_head"


class StateVersionProbe:
    """Reads the audit chain head's sequence number, 0 for an empty registry.

    Promises the same number services.reporting.state.state_version gives, as committed when the statement runs:
    the connection is in autocommit mode, so every read sees the latest commit (of any process) and no
    transaction stays open between reads. Thread-safe; a broken connection is replaced once per call.
    The connection is never handed back to the pool (it is closed instead), so no other unit of work
    inherits its autocommit mode.
    """

    def __init__(self, engine: sa.Engine) -> None:
        self._engine = engine
        self._lock = threading.Lock()
        self._conn: sa.Connection | None = None

    def read(self) -> int:
        with self._lock:
            try:
                return self._read()
            except (sa.exc.DBAPIError, self._engine.dialect.loaded_dbapi.Error):
                self._discard()  # the server restarted or dropped us: one fresh connection, then give up
                return self._read()

    def _read(self) -> int:
        if self._conn is None:
            self._conn = self._engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        raw: Any = self._conn.connection.driver_connection
        rows = raw.execute(_HEAD_SEQ).fetchall()  # fetch all: SQLite ends the statement's read snapshot
        return int(rows[0][0]) if rows else 0

    def _discard(self) -> None:
        if self._conn is not None:
            with contextlib.suppress(Exception):  # a broken connection may fail even to close
                self._conn.invalidate()  # closes the driver's connection instead of pooling it
                self._conn.close()
            self._conn = None

    def close(self) -> None:
        """Close the connection; a later read opens another."""
        with self._lock:
            self._discard()
