"""Detection on a small hand-made world, on SQLite and PostgreSQL: every matching rule and verdict."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa
from tests.integration.detection_world import build, sight
from tests.principals import person

from endwatch.bootstrap import Endwatch
from endwatch.domain.sightings import Sighting
from endwatch.errors import InvalidInput
from endwatch.services.detection.run import DetectionResult, detect
from endwatch.services.detection.sightings import add_sighting


@pytest.fixture
def world(ew: Endwatch, tmp_path: Path) -> Endwatch:
    build(ew, tmp_path / "world")
    return ew


def run(ew: Endwatch) -> dict[str, DetectionResult]:
    return {r.finding.sighting_id: r for r in detect(ew, person("analyst")).results}


def test_matching_tiers_and_manufacturer_narrowing(world: Endwatch) -> None:
    sight(world, "exact", "S/N: ax 10001", maker="Acme Optics", user="Turkish Naval Forces")
    sight(world, "equiv", "AXI000I", maker="ACME", user="Turkish Navy")
    sight(world, "unread", "AX-10?01", maker="Acme Old Works", user="Turkish Naval Forces")
    sight(world, "edit", "AX-1001", maker="acme", user="Turkish Naval Forces")
    sight(world, "both-makers", "AX-10001", user="Turkish Naval Forces")
    sight(world, "zeta", "AX-10001", maker="Zeta Systems", user="Turkish Naval Forces")
    sight(world, "typo-maker", "AX10001", maker="Acme Optcs", model="X-10O", user="Turkish Naval Forces")
    sight(world, "other-maker", "AX10001", maker="Omega Corp", user="Turkish Naval Forces")
    sight(world, "unknown-model", "AX10001", maker="Acme", model="Q-999", user="Turkish Naval Forces")
    sight(world, "two-unread", "AX-1000?", maker="Acme")
    sight(world, "nothing", "ZZ-99999", user="Turkish Naval Forces")
    sight(world, "short", "AX1", user="Turkish Naval Forces")
    sight(world, "confusable-letter", "0B-SSSSS", maker="Acme", user="Turkish Naval Forces")
    r = run(world)
    assert (r["exact"].finding.verdict, r["exact"].finding.tier) == ("consistent", "exact")
    assert r["exact"].match is not None and r["exact"].match["permit_number"] == "P-1"
    assert (r["equiv"].finding.verdict, r["equiv"].finding.tier) == ("consistent", "equivalent")
    assert (r["unread"].finding.verdict, r["unread"].finding.tier) == ("consistent", "unreadable")
    assert (r["edit"].finding.verdict, r["edit"].finding.tier) == ("consistent", "one_edit")
    assert r["edit"].finding.confidence == "possible"
    both = r["both-makers"].finding
    assert both.verdict == "ambiguous" and both.confidence is None
    assert {c["manufacturer_id"] for c in both.candidates} == {"acme", "zeta"}
    assert r["both-makers"].match is None
    assert r["zeta"].finding.verdict == "consistent" and r["zeta"].finding.permit_number == "P-2"
    typo = r["typo-maker"].finding
    assert typo.verdict == "consistent" and typo.permit_number == "P-1"
    assert any("small spelling difference" in x for x in typo.reasons)
    assert r["other-maker"].finding.verdict == "unmatched"
    assert any("names no known party" in x for x in r["other-maker"].finding.reasons)
    assert r["unknown-model"].finding.verdict == "unmatched"
    two = r["two-unread"].finding
    assert two.verdict == "ambiguous" and {c["serial"] for c in two.candidates} == {"AX-10001", "AX-10002"}
    assert r["nothing"].finding.verdict == "unmatched"
    assert r["short"].finding.verdict == "unmatched"
    assert any("too short" in x for x in r["short"].finding.reasons)
    assert (r["confusable-letter"].finding.tier, r["confusable-letter"].finding.serial) == ("equivalent", "OB-55555")


def test_verdicts(world: Endwatch) -> None:
    sight(world, "sub-unit", "AX-20005", maker="Acme", user="Northern Fleet")
    sight(world, "diverted", "AX-20005", maker="Acme", user="Azerbaijani Armed Forces", grade="C2")
    sight(world, "unknown-user", "AX-20005", maker="Acme", user="Unnamed militia")
    sight(world, "rt-before", "AX-10002", maker="Acme", user="Libyan forces", on=date(2020, 12, 1))
    sight(world, "rt-after", "AX-10002", maker="Acme", user="Libyan forces", on=date(2021, 2, 1))
    sight(world, "country-ok", "AX-20005", maker="Acme", country="TR")
    sight(world, "country-rt", "AX-10002", maker="Acme", country="LY", on=date(2021, 2, 1))
    sight(world, "country-bad", "AX-20005", maker="Acme", country="AZ")
    sight(world, "undetermined", "AX-20005", maker="Acme")
    sight(world, "anomaly", "AX-20005", maker="Acme", user="Azerbaijani Armed Forces", on=date(2020, 2, 1))
    r = run(world)
    verdicts = {k: v.finding.verdict for k, v in r.items()}
    assert verdicts == {
        "sub-unit": "consistent", "diverted": "diversion", "unknown-user": "diversion", "rt-before": "diversion",
        "rt-after": "consistent", "country-ok": "consistent", "country-rt": "consistent",
        "country-bad": "diversion", "undetermined": "undetermined", "anomaly": "anomaly",
    }
    d = r["diverted"].finding
    assert d.confidence == "probable" and d.observed_user_id == "az-forces"
    assert any("neither the declared end user" in x for x in d.reasons)
    assert r["unknown-user"].finding.observed_user_id is None
    assert any("consent 2021/7" in x for x in r["rt-after"].finding.reasons)


def test_diversions_open_and_join_cases_with_actions(world: Endwatch) -> None:
    sight(world, "d1", "AX-20005", maker="Acme", user="Azerbaijani Armed Forces")
    sight(world, "d2", "OB-55555", maker="Acme", user="Azerbaijani Armed Forces", on=date(2020, 10, 3))
    sight(world, "d3", "AX-20005", maker="Acme", user="Libyan forces")
    r = run(world)
    assert r["d1"].case_id == r["d2"].case_id == "CASE-0001"
    assert r["d3"].case_id == "CASE-0002"
    with world.uow() as uow:
        actions = [(a["kind"], a["target"]) for a in uow.cases.list_case_actions("CASE-0001")]
    # Same consignee (P-1, P-2, P-4), same destination and entry (P-3); A-1 pending with the same consignee.
    assert actions == [("suspend_permit", "P-1"), ("suspend_permit", "P-2"), ("suspend_permit", "P-3"),
                       ("suspend_permit", "P-4"), ("hold_application", "A-1"), ("notify_exporter", "acme")]


def test_rerun_changes_nothing_and_since(world: Endwatch) -> None:
    sight(world, "d1", "AX-20005", maker="Acme", user="Azerbaijani Armed Forces")
    first = detect(world, person("analyst"))
    assert first.decided == 1 and first.cases_opened == ["CASE-0001"]
    from endwatch.services.audit.verify import history

    run_entries = history(world.uow, "findings", "2026-11-22T12:00:00+00:00")
    assert [e.after["sightings"] for e in run_entries] == [{"d1": "diversion"}]
    assert [e.action for e in history(world.uow, "case", "CASE-0001")] == [
        "case.open", "case.add_findings", "case.recommend"]
    again = detect(world, person("analyst"))
    assert again.decided == 0 and again.cases_opened == []
    assert [x.finding for x in again.results] == [x.finding for x in first.results]
    sight(world, "late", "AX-20005", maker="Acme", user="Turkish Naval Forces", on=date(2021, 5, 1))
    later = detect(world, person("analyst"), since=date(2021, 1, 1))
    assert [x.finding.sighting_id for x in later.results] == ["late"] and later.decided == 1
    with world.uow() as uow:
        assert len(uow.cases.list_case_actions("CASE-0001")) == 6


def test_add_sighting_names_every_wrong_field(world: Endwatch) -> None:
    bad = Sighting("bad id!", date(2030, 1, 1), "--", "Q", "9", country="XX")
    with pytest.raises(InvalidInput) as exc:
        add_sighting(world.uow(), person("analyst"), bad)
    assert {p.column for p in exc.value.problems} == {"id", "observed_on", "serial", "reliability", "credibility",
                                                       "country"}
    sight(world, "one", "AX-1")
    with pytest.raises(InvalidInput, match="already recorded"):
        sight(world, "one", "AX-2")


def test_many_unreadable_characters_use_a_like_pattern(world: Endwatch) -> None:
    sight(world, "blurred", "AX-???01", maker="Acme", user="Turkish Naval Forces")
    sight(world, "blurred-2", "AX-2??0?", maker="Acme", user="Turkish Naval Forces")
    r = run(world)
    assert (r["blurred"].finding.verdict, r["blurred"].finding.serial) == ("consistent", "AX-10001")
    assert r["blurred"].finding.tier == "unreadable"
    assert (r["blurred-2"].finding.verdict, r["blurred-2"].finding.serial) == ("consistent", "AX-20005")


def test_sightings_csv_import_is_idempotent_refuses_edits_and_exports(world: Endwatch, tmp_path: Path) -> None:
    from endwatch.services.registry.exports import export_folder
    from endwatch.services.registry.imports import import_folder

    header = ("id,observed_on,place,country,observed_user,manufacturer,model,serial,platform,source,reliability,"
              "credibility,media\n")
    folder = tmp_path / "s"
    folder.mkdir()
    (folder / "sightings.csv").write_text(
        header + "S1,2020-10-01,somewhere,AZ,Azerbaijani Armed Forces,Acme,,AX-20005,drone,photo,C,2,a.jpg|b.jpg\n",
        encoding="utf-8")
    first = import_folder(world.uow(), person("analyst"), folder)
    assert [(f.file, f.new) for f in first.files] == [("sightings.csv", 1)]
    again = import_folder(world.uow(), person("analyst"), folder)
    assert [(f.file, f.new, f.unchanged) for f in again.files] == [("sightings.csv", 0, 1)]
    (folder / "sightings.csv").write_text(
        header + "S1,2020-10-01,somewhere,AZ,Libyan forces,Acme,,AX-20005,drone,photo,C,2,a.jpg|b.jpg\n"
        "S2,2020-10-01,x,ZZ,,,,AX-1,,,Q,2,\n", encoding="utf-8")
    with pytest.raises(InvalidInput) as exc:
        import_folder(world.uow(), person("analyst"), folder)
    problems = {(p.line, p.column) for p in exc.value.problems}
    assert (2, "observed_user") in problems and (3, "country") in problems and (3, "reliability") in problems
    export_folder(world.uow(), tmp_path / "out")
    exported = (tmp_path / "out" / "sightings.csv").read_text(encoding="utf-8")
    assert "S1,2020-10-01,somewhere,AZ,Azerbaijani Armed Forces,Acme,,AX-20005,drone,photo,C,2,a.jpg|b.jpg" in exported


def test_findings_keep_text_that_bulk_loading_must_escape(world: Endwatch) -> None:
    """Findings go to the database in bulk (COPY on PostgreSQL): backslashes, quotes and non-ASCII letters in
    what a sighting says come back exactly as they were decided. (Tabs and line breaks no longer reach a
    finding: the names it quotes are held to the field rules, which refuse control characters in names.)"""
    awkward = 'Unit "7"\\north flank, Hêzên ř'
    sight(world, "awkward", "AX-10001", maker="Acme", user=awkward)
    decided = run(world)["awkward"]
    assert any(repr(awkward) in reason for reason in decided.finding.reasons)  # backslashes included
    with world.uow() as uow:
        stored = uow.detection.findings(["awkward"])
    assert [f.reasons for f in stored] == [decided.finding.reasons]
    assert stored[0].verdict == decided.finding.verdict == "diversion"


def test_detection_vouches_for_its_rows_and_action_ids_keep_counting(world: Endwatch,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    # Findings, case findings and case actions are digested from the values inserted (not read back when the
    # write is sealed); the trail must still vouch for each, and name one changed by SQL afterwards.
    from endwatch.db.audit import rows as row_store
    from endwatch.domain.audit_rows import row_key
    from endwatch.services.audit.verify import verify, verify_rows

    read_back: list[str] = []
    original = row_store.digests

    def counting(conn, table, where=None):  # type: ignore[no-untyped-def]
        read_back.append(table.name)
        return original(conn, table, where)

    monkeypatch.setattr(row_store, "digests", counting)
    sight(world, "d1", "AX-20005", maker="Acme", user="Azerbaijani Armed Forces")
    detect(world, person("analyst"))
    sight(world, "d3", "AX-20005", maker="Acme", user="Libyan forces")  # a second case: its actions added later
    detect(world, person("analyst"))
    assert not {"findings", "case_findings", "case_actions"} & set(read_back)
    monkeypatch.setattr(row_store, "digests", original)
    with world.uow() as uow:
        ids = [a["id"] for case in ("CASE-0001", "CASE-0002") for a in uow.cases.list_case_actions(case)]
    assert len(ids) == len(set(ids)) == 12 and sorted(ids) == list(range(1, 13))
    assert verify(world.reader).ok
    report = verify_rows(world.reader)
    assert report.ok, [p.describe() for p in report.problems[:5]]
    with world.engine.begin() as conn:
        conn.execute(sa.text("update case_actions set reason = 'edited' where id = 7"))
        conn.execute(sa.text("update findings set verdict = 'match' where sighting_id = 'd1'"))
    assert {(p.table, p.key, p.what) for p in verify_rows(world.reader).problems} == {
        ("case_actions", row_key([7]), "changed"), ("findings", row_key(["d1"]), "changed")}
