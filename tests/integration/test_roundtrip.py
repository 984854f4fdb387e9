"""Export then import reproduces the registry exactly (property-based, on both databases)."""

import csv
from datetime import date, timedelta
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.conftest import REFERENCE_CASE
from tests.factories import empty_database
from tests.principals import person

from endwatch.domain.text import BIDI_CONTROLS
from endwatch.services.registry.exports import export_folder
from endwatch.services.registry.imports import import_folder

# Any text endwatch stores (domain/text.py): no control characters, no bidirectional overrides or isolates.
text = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc"),
                                      blacklist_characters="|" + "".join(BIDI_CONTROLS)),
               min_size=1, max_size=25).map(str.strip).filter(bool)
ident = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-", min_size=1, max_size=10)
countries = st.sampled_from(["TR", "CA", "AZ", "AM", "DE", "FR"])


@st.composite
def worlds(draw):
    """A random but lawful registry in the exchange format: parties, products, permits, deliveries, history."""
    n_parties = draw(st.integers(2, 6))
    parties = []
    for i in range(n_parties):
        parent = f"p{draw(st.integers(0, i - 1))}" if i and draw(st.booleans()) else ""
        aliases = "|".join(sorted(set(draw(st.lists(text, max_size=2)))))
        parties.append([f"p{i}", draw(text), draw(st.sampled_from(["company", "armed_force", "state", "other"])),
                        draw(countries), parent, aliases, ""])
    products = [[f"g{i}", "p0", draw(text), "|".join(sorted(set(draw(st.lists(ident, max_size=2))))),
                 draw(st.sampled_from(["2-15", "2-15|ML15", "ML5"])), draw(text), ""]
                for i in range(draw(st.integers(1, 2)))]
    permits, deliveries, changes = [], [], []
    serials = draw(st.lists(ident.filter(lambda s: s.strip("-")), unique_by=lambda s: s.replace("-", "").upper(),
                            max_size=8))
    for i in range(draw(st.integers(0, 3))):
        issued = date(2020, 1, 1) + timedelta(days=draw(st.integers(0, 300)))
        qty = draw(st.integers(1, 4))
        permits.append([f"N{i}", "", "p0", "p1", f"p{n_parties - 1}", draw(countries),
                        draw(st.sampled_from([p[0] for p in products])), str(qty), draw(st.sampled_from(["", "99.50"])),
                        "CAD", issued.isoformat(), (issued + timedelta(days=400)).isoformat(), "issued",
                        draw(text), draw(st.sampled_from(["yes", "no"])), "", "", "", "", ""])
        for _ in range(min(qty, len(serials))):
            deliveries.append([f"N{i}", (issued + timedelta(days=5)).isoformat(), serials.pop(), "p1"])
        if draw(st.booleans()):
            # A status change taken in endwatch (not historical) carries its reason, as change_permit_status asks.
            changes.append([f"N{i}", "suspended", (issued + timedelta(days=30)).isoformat(),
                            draw(text).strip() or "why", "ref", ""])
    return {"parties.csv": parties, "products.csv": products, "permits.csv": permits,
            "deliveries.csv": deliveries, "status_changes.csv": changes}


def write_world(folder: Path, world: dict) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name, rows in world.items():
        header = (REFERENCE_CASE / name).read_text(encoding="utf-8").splitlines()[0].split(",")
        with (folder / name).open("w", newline="", encoding="utf-8") as fh:
            w = csv.writer(fh)
            w.writerow(header)
            w.writerows(rows)


def snapshot(folder: Path) -> dict[str, str]:
    return {p.name: p.read_text(encoding="utf-8") for p in sorted(folder.glob("*.csv"))}


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(world=worlds())
def test_export_import_export_is_identical(ew, tmp_path_factory, world):
    empty_database(ew)
    base = tmp_path_factory.mktemp("rt")
    write_world(base / "in", world)
    import_folder(ew.uow(), person("tester"), base / "in")
    export_folder(ew.reader(), base / "one")
    empty_database(ew)
    import_folder(ew.uow(), person("tester"), base / "one")
    export_folder(ew.reader(), base / "two")
    assert snapshot(base / "one") == snapshot(base / "two")
    # And the export carries what was imported.
    assert len(snapshot(base / "one")["deliveries.csv"].splitlines()) == len(world["deliveries.csv"]) + 1
    assert import_folder(ew.uow(), person("tester"), base / "one").changes == 0


def test_reference_case_round_trips(case, tmp_path):
    export_folder(case.reader(), tmp_path / "out")
    for name, content in snapshot(tmp_path / "out").items():
        rows = list(csv.DictReader(content.splitlines()))
        original = list(csv.DictReader((REFERENCE_CASE / name).read_text(encoding="utf-8").splitlines()))
        assert len(rows) == len(original), name


def test_decisions_taken_in_endwatch_round_trip_into_an_empty_registry(ew, tmp_path):
    from tests.conftest import tokens_for
    from tests.factories import ACTOR, small_world

    from endwatch.domain.permits import Application
    from endwatch.services.assessment.decisions import countersign, decide
    from endwatch.services.authz import Role
    from endwatch.services.registry.applications import receive_application

    signers = {"approver_one": Role.APPROVER, "approver_two": Role.APPROVER}
    small_world(ew)
    tokens_for(ew, **signers)
    one, two = person("approver-one", Role.APPROVER), person("approver-two", Role.APPROVER)
    for number in ("A-1", "A-2"):
        receive_application(ew.uow(), ACTOR, Application(number, "m", "c", "n", "TR", "s", 1, date(2020, 6, 1)))
    decide(ew.uow(), one, "A-1", "approve", reason="NATO programme", on=date(2020, 6, 10),
           justification="covered by the NATO exception", exception="NATO co-operation programs")
    countersign(ew.uow(), two, "A-1", reason="agreed", on=date(2020, 6, 11))
    decide(ew.uow(), one, "A-2", "deny", reason="risk of diversion", on=date(2020, 6, 12))
    export_folder(ew.reader(), tmp_path / "one")
    decisions = list(csv.DictReader((tmp_path / "one" / "decisions.csv").read_text(encoding="utf-8").splitlines()))
    assert [(d["application_number"], d["decision"], d["decided_by"], d["countersigned_by"]) for d in decisions] == [
        ("A-1", "approve", "approver-one", "approver-two"), ("A-2", "deny", "approver-one", "")]

    empty_database(ew)
    tokens_for(ew, **signers)  # the registry is empty; its accounts hold the signatories
    import_folder(ew.uow(), person("tester"), tmp_path / "one")
    export_folder(ew.reader(), tmp_path / "two")
    assert snapshot(tmp_path / "one") == snapshot(tmp_path / "two")
    with ew.reader() as uow:
        assert {a.number: a.status.value for a in uow.applications.list()} == {"A-1": "approved", "A-2": "denied"}
