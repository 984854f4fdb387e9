"""`endwatch evidence load --source ucdp-acd`: the real UCDP/PRIO file stored with its roles, loaded again
unchanged, bad files refused with file, line and column and nothing written. Both databases."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from tests.principals import person

from endwatch.cli import app
from endwatch.domain.risk.model import Role
from endwatch.errors import InvalidInput
from endwatch.gleditsch_ward import code_of
from endwatch.services.assessment.evidence_load import Source, load_evidence
from endwatch.services.assessment.ucdp import read_ucdp

REAL = Path(__file__).resolve().parents[1] / "data" / "realdata" / "ucdp-prio-acd-v24.1.csv"
HEADER = REAL.read_text(encoding="utf-8").splitlines()[0]
# The official release's own column names (start_date2, ep_end_date, ISO dates), trimmed to what is read.
OFFICIAL = """conflict_id,location,side_a,side_a_2nd,side_b,side_b_2nd,territory_name,year,intensity_level,\
type_of_conflict,start_date,start_date2,ep_end,ep_end_date,gwno_a,gwno_a_2nd,gwno_b,gwno_b_2nd,gwno_loc,version
388,Azerbaijan,Government of Azerbaijan,Government of Turkey,Republic of Artsakh,Government of Armenia,\
Artsakh (Nagorno-Karabakh),2020,2,4,1990-12-31,2020-07-16,0,,373,640,,371,373,24.1
388,Azerbaijan,Government of Azerbaijan,,Republic of Artsakh,Government of Armenia,\
Artsakh (Nagorno-Karabakh),2021,1,4,1990-12-31,2020-07-16,0,,373,,,371,373,24.1
"""


def test_load_the_real_file_then_again_changes_nothing(cli, ew):
    result = cli.invoke(app, ["evidence", "load", str(REAL), "--source", "ucdp-acd", "--known-on", "2020-01-01",
                              "--release", "v24.1", "--as-of", "2020-10-15", "--format", "json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)[0]
    assert (report["records"], report["new"], report["changed"]) == (2686, 2686, 0)
    with ew.reader() as uow:
        stored = {c.id: c for c in uow.assessment.conflicts()}
    assert len(stored) == 2686
    nk = stored["ucdp-388-2020"]
    assert nk == read_ucdp(REAL, date(2020, 1, 1), release="v24.1")[[c.id for c in read_ucdp(
        REAL, date(2020, 1, 1), release="v24.1")].index("ucdp-388-2020")]
    assert nk.intensity == 2 and nk.known_on == date(2020, 1, 1) and nk.series == "ucdp-388"
    assert {(r.role, r.country, r.side) for r in nk.roles if r.country} == {
        (Role.LOCATION, "AZ", ""), (Role.PRIMARY, "AZ", "A"), (Role.SECONDARY, "TR", "A"), (Role.SECONDARY, "AM", "B")}
    again = cli.invoke(app, ["evidence", "load", str(REAL), "--source", "ucdp-acd", "--known-on", "2020-01-01",
                             "--release", "v24.1", "--format", "json"])
    assert json.loads(again.output)[0]["unchanged"] == 2686


def test_official_column_names_and_iso_dates(ew, tmp_path):
    path = tmp_path / "UcdpPrioConflict_v24_1.csv"
    path.write_text(OFFICIAL, encoding="utf-8")
    report = load_evidence(ew.uow(), person("tester"), path, Source.UCDP_ACD, known_on=date(2024, 6, 1),
                           as_of=date(2024, 6, 1))
    assert (report.records, report.new) == (2, 2)
    with ew.reader() as uow:
        by_id = {c.id: c for c in uow.assessment.conflicts()}
    # The episode's start (start_date2), not the conflict's first date; the last year runs on.
    assert by_id["ucdp-388-2020"].started_on == date(2020, 7, 16)
    assert by_id["ucdp-388-2020"].ended_on == date(2020, 12, 31)
    assert by_id["ucdp-388-2021"].started_on == date(2021, 1, 1) and by_id["ucdp-388-2021"].ended_on is None


def test_every_problem_named_with_line_and_column_and_nothing_written(ew, tmp_path):
    lines = REAL.read_text(encoding="utf-8").splitlines()
    bad = [HEADER, lines[1],
           lines[2].replace(",1,0,3,01-07-2014", ",3,0,3,01-07-2014"),  # intensity 3
           lines[3].replace(",651,,666,", ",999,,666,")]  # an unknown Gleditsch-Ward number
    path = tmp_path / "acd.csv"
    path.write_text("\n".join(bad) + "\n", encoding="utf-8")
    with pytest.raises(InvalidInput) as err:
        load_evidence(ew.uow(), person("tester"), path, Source.UCDP_ACD, known_on=date(2024, 6, 1))
    where = {(p.file, p.line, p.column) for p in err.value.problems}
    assert where == {("acd.csv", 3, "intensity_level"), ("acd.csv", 4, "gwno_a")}
    assert any("999" in p.message for p in err.value.problems)
    with ew.reader() as uow:
        assert uow.assessment.conflicts() == []


def test_a_file_that_is_not_the_dataset_is_refused_by_the_command_line(cli, ew, tmp_path):
    path = tmp_path / "other.csv"
    path.write_text("id,name\n1,x\n", encoding="utf-8")
    result = cli.invoke(app, ["evidence", "load", str(path), "--source", "ucdp-acd"])
    assert result.exit_code == 1
    assert "other.csv:1" in result.output and "missing column(s)" in result.output
    with ew.reader() as uow:
        assert uow.assessment.conflicts() == []


@pytest.mark.parametrize(("gwno", "year", "code"), [
    (260, 1980, "DE"), (260, 2000, "DE"), (265, 1980, "DD"), (365, 1980, "SU"), (365, 2000, "RU"),
    (345, 1995, "YU"), (345, 2010, "RS"), (347, 2010, "XK"), (678, 1980, "YE"), (678, 2015, "YE"),
    (680, 1980, "YD"), (816, 1970, "VN"), (817, 1970, "XV"), (640, 2020, "TR"), (200, 2020, "GB"),
    (315, 1970, "XC"), (316, 2000, "CZ")])
def test_gleditsch_ward_codes(gwno, year, code):
    assert code_of(gwno, year) == code


def test_an_unknown_gleditsch_ward_number_has_no_code():
    assert code_of(999, 2000) is None


def test_the_exchange_format_keeps_roles_intensity_and_series_both_ways(ew, tmp_path):
    from endwatch.services.registry.exports import export_folder
    from endwatch.services.registry.imports import import_folder

    path = tmp_path / "UcdpPrioConflict_v24_1.csv"
    path.write_text(OFFICIAL, encoding="utf-8")
    load_evidence(ew.uow(), person("tester"), path, Source.UCDP_ACD, known_on=date(2024, 6, 1), as_of=date(2024, 6, 1))
    with ew.reader() as uow:
        before = {c.id: c for c in uow.assessment.conflicts()}
    folder = tmp_path / "export"
    export_folder(ew.reader(), folder)
    text = (folder / "conflicts.csv").read_text(encoding="utf-8")
    assert "secondary:TR:A::Government of Turkey" in text and "primary:AM:B:" not in text
    # Imported back, every conflict is unchanged: roles, intensity, kind, series and known_on survive.
    report = import_folder(ew.uow(), person("tester"), folder)
    conflicts = next(f for f in report.files if f.file == "conflicts.csv")
    assert (conflicts.unchanged, conflicts.changed, conflicts.new) == (2, 0, 0)
    with ew.reader() as uow:
        assert {c.id: c for c in uow.assessment.conflicts()} == before
    war = before["ucdp-388-2020"]
    assert war.intensity == 2 and war.series == "ucdp-388" and war.known_on == date(2024, 6, 1)
    assert {(r.role, r.country, r.side) for r in war.roles if r.role is Role.SECONDARY} == {
        (Role.SECONDARY, "TR", "A"), (Role.SECONDARY, "AM", "B")}


def test_a_bad_role_in_conflicts_csv_is_named_with_its_line_and_nothing_is_written(ew, tmp_path):
    from endwatch.services.registry.imports import import_folder

    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "conflicts.csv").write_text(
        "id,name,countries,party_ids,started_on,ended_on,source,intensity,roles\n"
        "c1,Test,AZ,,2020-09-27,,test,2,primary:AZ:A::Government of Azerbaijan|ally:TR:A::Government of Turkey\n"
        "c2,Test,AZ,,2020-09-27,,test,3,\n", encoding="utf-8")
    with pytest.raises(InvalidInput) as exc:
        import_folder(ew.uow(), person("tester"), folder)
    found = {(p.line, p.column): p.message for p in exc.value.problems}
    assert "'ally' is not a role" in found[(2, "roles")]
    assert "intensity is 1 (minor) or 2 (war)" in found[(3, "intensity")]
    with ew.reader() as uow:
        assert uow.assessment.conflicts() == []


TURKEY_PKK = """conflict_id,location,side_a,side_a_2nd,side_b,side_b_2nd,territory_name,year,intensity_level,\
type_of_conflict,start_date,start_date2,ep_end,ep_end_date,gwno_a,gwno_a_2nd,gwno_b,gwno_b_2nd,gwno_loc,version
322,Turkey,Government of Turkey,,PKK,,Kurdistan,2020,1,3,1984-08-15,1984-08-15,0,,640,,,,640,24.1
"""


def test_ucdp_actors_are_linked_to_the_registered_parties_they_are(ew, tmp_path):
    from endwatch.domain.risk.facts import conflicts_involving
    from endwatch.services.assessment.assess import load_world
    from endwatch.services.registry.imports import import_folder

    folder = tmp_path / "registry"
    folder.mkdir()
    (folder / "parties.csv").write_text(
        "id,name,kind,country,parent_id,aliases,former_names\n"
        "tr,Turkiye,state,TR,,,\n"
        "tr-army,Turkish Armed Forces,armed_force,TR,tr,,\n"
        "pkk,Kurdistan Workers' Party,other,,,PKK,\n", encoding="utf-8")
    import_folder(ew.uow(), person("tester"), folder)
    path = tmp_path / "UcdpPrioConflict_v24_1.csv"
    path.write_text(TURKEY_PKK, encoding="utf-8")
    load_evidence(ew.uow(), person("tester"), path, Source.UCDP_ACD, known_on=date(2020, 1, 1),
                  as_of=date(2020, 6, 1))
    with ew.reader() as uow:
        [conflict] = uow.assessment.conflicts()
        world = load_world(uow)
    assert {(r.role, r.side, r.actor, r.party_id) for r in conflict.roles} == {
        (Role.LOCATION, "", "", None),  # the territory is not a party to the conflict: not linked
        (Role.PRIMARY, "A", "Government of Turkey", "tr"), (Role.PRIMARY, "B", "PKK", "pkk")}
    # The non-state actor's conflict now reaches its registered party (no country to match it by).
    [found] = conflicts_involving(world, date(2020, 6, 1), party_id="pkk")
    assert found.conflict.id == conflict.id and found.primary
