"""An import's items are prepared before its write (rows, ids, row digests on a read snapshot) and its write only
inserts them: still all or nothing. On both databases: the trail vouches for every row afterwards; ids taken
meanwhile make the write build the rows itself; a failure injected inside the write, or the importing process
killed there, leaves the database exactly as it was, and the same import then succeeds."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from tests.principals import person

from endwatch.bootstrap import Endwatch
from endwatch.db.registry.deliveries import SqlDeliveryRepository
from endwatch.services.audit.verify import verify, verify_rows
from endwatch.services.authz import Action
from endwatch.services.gate import write
from endwatch.services.registry import imports
from endwatch.services.registry.deliveries import record_delivery
from endwatch.services.registry.imports import import_folder, plan_import
from endwatch_demo.synth import synthesize

ADMIN = person("importer")
ROOT = Path(__file__).resolve().parents[2]


class Injected(RuntimeError):
    pass


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("world") / "world"
    synthesize(folder, items=600, sightings=20, seed=3)
    return folder


def _counts(ew: Endwatch) -> dict[str, int]:
    with ew.engine.connect() as conn:
        names = sorted(sa.inspect(conn).get_table_names())
        return {n: int(conn.scalar(sa.text(f'select count(*) from "{n}"')) or 0) for n in names
                if n != "alembic_version"}


def _intact(ew: Endwatch) -> None:
    chain = verify(ew.reader)
    rows = verify_rows(ew.reader)
    assert chain.ok, chain
    assert rows.ok, rows.problems[:5]


def _a_new_serial_on_some_permit(ew: Endwatch) -> tuple[str, date]:
    with ew.engine.connect() as conn:
        number, day = conn.execute(sa.text(
            "select permit_number, max(delivered_on) from deliveries group by permit_number"
            " order by permit_number limit 1")).one()
    return number, day if isinstance(day, date) else date.fromisoformat(day)


def test_prepared_items_are_vouched_for_and_ids_keep_counting(ew: Endwatch, world: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    used: list[int] = []
    original = SqlDeliveryRepository.add_prepared

    def counting(self: SqlDeliveryRepository, prepared: Any) -> bool:
        done = original(self, prepared)
        used.append(len(prepared) if done else -1)
        return done

    monkeypatch.setattr(SqlDeliveryRepository, "add_prepared", counting)
    report = import_folder(ew, ADMIN, world)
    items = next(f for f in report.files if f.file == "deliveries.csv").new
    assert used == [items] and items > 500  # the write inserted the prepared rows, all of them
    _intact(ew)
    # A delivery recorded afterwards gets the next id (on PostgreSQL the sequence was moved past the given ids).
    number, day = _a_new_serial_on_some_permit(ew)
    try:
        record_delivery(ew.uow(), ADMIN, number, day, ["AFTER-THE-IMPORT-1"])
    except Exception as exc:  # a quantity rule may refuse it; a duplicate key must not be the reason
        assert "unique" not in str(exc).lower() and "duplicate" not in str(exc).lower(), exc
    _intact(ew)
    assert import_folder(ew, ADMIN, world).changes == 0  # unchanged folder, nothing written


def test_ids_taken_after_the_plan_make_the_write_build_its_rows(ew: Endwatch, world: Path) -> None:
    with ew.reader() as snapshot:
        planned = plan_import(snapshot, world)
    assert planned.run.prepared is not None
    stale = planned.run.prepared
    # Another write takes ids before this import writes (the gate would plan again; here the plan is forced).
    with write(ew.uow(), ADMIN, Action.REGISTRY_IMPORT) as w:
        imports.apply_import(w, planned, "first")
    with ew.reader() as snapshot:
        again = plan_import(snapshot, world)
    assert again.report.changes == 0
    # The stale plan's ids are taken now: add_prepared refuses them and writes nothing.
    with ew.uow() as uow:
        assert uow.deliveries.add_prepared(stale) is False
    _intact(ew)


@pytest.mark.parametrize("where", ["add_prepared", "seal"])
def test_a_failure_inside_the_write_leaves_everything_as_it_was(ew: Endwatch, world: Path, where: str,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    before = _counts(ew)
    with monkeypatch.context() as m:
        if where == "add_prepared":
            original = SqlDeliveryRepository.add_prepared

            def then_fail(self: SqlDeliveryRepository, prepared: Any) -> bool:
                assert original(self, prepared)  # the items are in, then the import fails
                raise Injected(where)

            m.setattr(SqlDeliveryRepository, "add_prepared", then_fail)
        else:
            from endwatch.db.audit.repository import SqlAuditRepository

            def fail(self: Any, record_entry: Any) -> int:
                raise Injected(where)

            m.setattr(SqlAuditRepository, "seal_rows", fail)
        with pytest.raises(Injected):
            import_folder(ew, ADMIN, world)
    assert _counts(ew) == before
    _intact(ew)
    import_folder(ew, ADMIN, world)
    assert _counts(ew)["deliveries"] > 500
    _intact(ew)


KILLED = textwrap.dedent("""
    import os, signal, sys
    from pathlib import Path
    from endwatch.bootstrap import bootstrap
    from endwatch.db.registry.deliveries import SqlDeliveryRepository
    from endwatch.services.authz import Principal, Role
    from endwatch.services.registry.imports import import_folder
    from endwatch.settings import load_settings

    original = SqlDeliveryRepository.add_prepared

    def then_die(self, prepared):
        original(self, prepared)  # the items are written, uncommitted: the process dies here
        os.kill(os.getpid(), signal.SIGKILL)

    SqlDeliveryRepository.add_prepared = then_die
    ew = bootstrap(load_settings())
    import_folder(ew, Principal("importer", Role.ADMINISTRATOR), Path(sys.argv[1]))
""")


def test_the_importing_process_killed_inside_its_write_leaves_nothing(ew: Endwatch, world: Path) -> None:
    before = _counts(ew)
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    done = subprocess.run([sys.executable, "-c", KILLED, str(world)], env=env, capture_output=True, timeout=300)
    assert done.returncode == -signal.SIGKILL, done.stderr.decode()[-2000:]
    assert _counts(ew) == before
    _intact(ew)
    import_folder(ew, ADMIN, world)
    assert _counts(ew)["deliveries"] > 500
    _intact(ew)


@pytest.mark.parametrize(("party_id", "plans"), [("someone-new-meanwhile", 1), (None, 2)])
def test_a_party_written_meanwhile_makes_the_import_plan_again_only_if_the_plan_knew_it(
        ew: Endwatch, world: Path, monkeypatch: pytest.MonkeyPatch, party_id: str | None, plans: int) -> None:
    from endwatch.domain.parties import Party, PartyKind
    from endwatch.services.registry.parties import save_party

    with ew.engine.connect() as conn:
        known = conn.execute(sa.text("select id from parties order by id limit 1")).scalar()
    if known is None:  # an empty registry: make one the folder does not name, known to the plan
        save_party(ew.uow(), ADMIN, Party("known-before", "Known Before Ltd", PartyKind.COMPANY, "CA"))
        known = "known-before"
    calls: list[int] = []
    original = imports.plan_import

    def planning(uow: Any, folder: Path, **kwargs: Any) -> Any:
        planned = original(uow, folder, **kwargs)
        calls.append(1)
        if len(calls) == 1:  # another writer commits between this plan and its write
            target = party_id or known
            save_party(ew.uow(), ADMIN, Party(target, f"Written meanwhile {target}", PartyKind.COMPANY, "DE"))
        return planned

    monkeypatch.setattr(imports, "plan_import", planning)
    import_folder(ew, ADMIN, world)
    assert len(calls) == plans
    assert _counts(ew)["deliveries"] > 500
    _intact(ew)
