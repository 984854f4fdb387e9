"""Read-only units of work: on PostgreSQL they run READ ONLY and end with COMMIT, so the driver keeps
its prepared statements between them (a ROLLBACK makes psycopg forget them all)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from tests.principals import person

from endwatch.bootstrap import Endwatch
from endwatch.domain.parties import Party, PartyKind
from endwatch.services.registry.parties import save_party
from endwatch.services.reporting import records


def test_readers_keep_prepared_statements_and_write_nothing(ew: Endwatch) -> None:
    save_party(ew.uow(), person("tester"), Party("p1", "Party One", PartyKind.COMPANY, "CA"))
    for _ in range(8):  # psycopg prepares a statement on its fifth run
        assert records.get_party(ew.reader(), "p1").name == "Party One"
    update = sa.text("UPDATE parties SET name = 'changed' WHERE id = 'p1'")
    with ew.reader() as uow:
        conn = uow.conn  # type: ignore[attr-defined]
        if conn.dialect.name == "postgresql":
            prepared = conn.execute(sa.text("SELECT count(*) FROM pg_prepared_statements")).scalar_one()
            assert prepared >= 1
            assert conn.execute(sa.text("SHOW transaction_read_only")).scalar_one() == "on"
            with pytest.raises(sa.exc.InternalError, match="read-only transaction"):
                conn.execute(update)
        else:  # SQLite: a reader's transaction is rolled back, as before
            conn.execute(update)
    assert records.get_party(ew.reader(), "p1").name == "Party One"
    with ew.uow() as uow:  # writers are untouched: read-write, and rolled back when not committed
        conn = uow.conn  # type: ignore[attr-defined]
        if conn.dialect.name == "postgresql":
            assert conn.execute(sa.text("SHOW transaction_read_only")).scalar_one() == "off"
        conn.execute(sa.text("UPDATE parties SET name = 'uncommitted' WHERE id = 'p1'"))
    assert records.get_party(ew.reader(), "p1").name == "Party One"


def test_a_failing_reader_rolls_back_and_the_next_one_works(ew: Endwatch) -> None:
    save_party(ew.uow(), person("tester"), Party("p1", "Party One", PartyKind.COMPANY, "CA"))
    with pytest.raises(sa.exc.DBAPIError), ew.reader() as uow:
        uow.conn.execute(sa.text("SELECT * FROM no_such_table"))  # type: ignore[attr-defined]
    assert records.get_party(ew.reader(), "p1").name == "Party One"
