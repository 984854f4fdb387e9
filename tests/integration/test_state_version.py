"""Endwatch.state_version: the number the web cache is keyed by, read in one statement, on both databases."""

from __future__ import annotations

import sqlite3
from dataclasses import replace

import sqlalchemy as sa
from tests.principals import person

from endwatch.bootstrap import Endwatch, bootstrap
from endwatch.domain.parties import Party, PartyKind
from endwatch.services.registry.parties import save_party
from endwatch.services.reporting import records, state


def _add_party(ew: Endwatch, party_id: str) -> None:
    save_party(ew.uow(), person("tester"), Party(party_id, f"Party {party_id}", PartyKind.COMPANY, "CA"))


def test_state_version_follows_every_write_of_any_process(ew: Endwatch) -> None:
    assert ew.state_version() == state.state_version(ew.reader()) == 0  # an empty registry
    _add_party(ew, "p1")
    first = ew.state_version()
    assert first == state.state_version(ew.reader()) and first > 0
    assert ew.state_version() == first  # no write, no change
    other = bootstrap(ew.settings)  # another process's connections
    try:
        party = records.get_party(other.reader(), "p1")
        save_party(other.uow(), person("tester"), replace(party, name="Renamed"))
    finally:
        other.close()
    second = ew.state_version()
    assert second > first and second == state.state_version(ew.reader())


def test_state_version_holds_no_transaction_open(ew: Endwatch) -> None:
    """Between reads nothing is locked: a writer that needs every table (TRUNCATE on PostgreSQL,
    a checkpoint on SQLite) is not held up by the connection the version is read on."""
    _add_party(ew, "p1")
    ew.state_version()
    if ew.engine.dialect.name == "postgresql":
        with ew.engine.begin() as conn:
            conn.execute(sa.text("SET LOCAL lock_timeout = '2s'"))
            conn.execute(sa.text("LOCK TABLE audit_head IN ACCESS EXCLUSIVE MODE"))  # fails on timeout
    else:
        raw = sqlite3.connect(ew.engine.url.database or "", isolation_level=None)
        try:
            busy, _, _ = raw.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        finally:
            raw.close()
        assert busy == 0  # no reader holds an old snapshot of the file


def test_state_version_survives_a_dropped_connection(ew: Endwatch) -> None:
    _add_party(ew, "p1")
    version = ew.state_version()
    with ew.engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            # Every other session on this database ends, as when the server restarts.
            ended = conn.execute(sa.text(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()")).scalar_one()
            assert ended >= 1
        else:
            ew._version_probe._conn.connection.driver_connection.close()  # type: ignore[union-attr]
    assert ew.state_version() == version
    _add_party(ew, "p2")
    assert ew.state_version() > version
