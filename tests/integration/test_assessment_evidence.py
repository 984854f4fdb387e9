"""Evidence for the assessment: conflicts.csv and transfers.csv through the registry's import and
export, and restricted-party lists in the FollowTheMoney format. Both databases."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from tests.principals import person

from endwatch.cli import app
from endwatch.errors import InvalidInput
from endwatch.services.assessment.screening import list_hits, load_list
from endwatch.services.registry.exports import export_folder
from endwatch.services.registry.imports import import_folder

SAMPLE_LIST = Path(__file__).resolve().parents[2] / "src" / "endwatch_demo" / "data" / "screening" / "sample-list.jsonl"

PARTIES = """id,name,kind,country,parent_id,aliases,former_names
acme,Acme Sensors,company,CA,,,
integrator,Integrator Works,company,TR,,,
xx-state,Xland,state,AM,,,
yy-state,Yland,state,AZ,,,
northwind,Northwind Avionics Trading,company,AE,,Northwind Avionics,
"""
CONFLICTS = """id,name,countries,party_ids,started_on,ended_on,source
war-1,Test war,AM|AZ,xx-state|yy-state,2020-09-27,2020-11-10,test source
"""
TRANSFERS = """supplier_id,recipient_id,recipient_country,item,reported_on,source
integrator,yy-state,AZ,drones,2020-06-15,test report
integrator,,QA,drones,2018-03-01,another report
"""


def write(folder: Path, **files: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / f"{name}.csv").write_text(text, encoding="utf-8")
    return folder


def test_import_conflicts_and_transfers_then_reimport_changes_nothing(ew, tmp_path):
    folder = write(tmp_path / "in", parties=PARTIES, conflicts=CONFLICTS, transfers=TRANSFERS)
    report = import_folder(ew.uow(), person("tester"), folder)
    by_file = {f.file: f for f in report.files}
    assert (by_file["conflicts.csv"].new, by_file["transfers.csv"].new) == (1, 2)
    with ew.reader() as uow:
        conflicts = uow.assessment.conflicts()
        transfers = uow.assessment.transfers()
    assert conflicts[0].countries == ("AM", "AZ") and conflicts[0].party_ids == ("xx-state", "yy-state")
    assert conflicts[0].ended_on == date(2020, 11, 10)
    assert [(t.recipient_country, t.recipient_id) for t in transfers] == [("QA", None), ("AZ", "yy-state")]
    again = import_folder(ew.uow(), person("tester"), folder)
    assert again.changes == 0
    assert {f.file: f.unchanged for f in again.files}["transfers.csv"] == 2


def test_conflict_update_is_a_change(ew, tmp_path):
    import_folder(ew.uow(), person("tester"), write(tmp_path / "a", parties=PARTIES, conflicts=CONFLICTS))
    ongoing = CONFLICTS.replace("2020-11-10", "")
    report = import_folder(ew.uow(), person("tester"), write(tmp_path / "b", conflicts=ongoing))
    assert {f.file: f.changed for f in report.files}["conflicts.csv"] == 1
    with ew.reader() as uow:
        assert uow.assessment.conflicts()[0].ended_on is None


def test_every_problem_is_reported_with_file_line_and_column_and_nothing_is_written(ew, tmp_path):
    bad_conflicts = CONFLICTS + "war-2,Bad war,AM|QQ,nobody,2020-01-10,2020-01-01,src\n"
    bad_transfers = TRANSFERS + "ghost,,AZ,drones,2020-01-01,src\nintegrator,xx-state,AZ,drones,2020-02-01,src\n"
    folder = write(tmp_path / "bad", parties=PARTIES, conflicts=bad_conflicts, transfers=bad_transfers)
    with pytest.raises(InvalidInput) as exc:
        import_folder(ew.uow(), person("tester"), folder)
    found = {(p.file, p.line, p.column) for p in exc.value.problems}
    assert ("conflicts.csv", 3, "countries") in found
    assert ("conflicts.csv", 3, "party_ids") in found
    assert ("conflicts.csv", 3, "ended_on") in found
    assert ("transfers.csv", 4, "supplier_id") in found
    assert ("transfers.csv", 5, "recipient_country") in found
    with ew.reader() as uow:
        assert uow.parties.list() == [] and uow.assessment.conflicts() == [] and uow.assessment.transfers() == []


def test_missing_required_column_is_reported(ew, tmp_path):
    folder = write(tmp_path / "bad", parties=PARTIES, transfers="supplier_id,item\nintegrator,drones\n")
    with pytest.raises(InvalidInput) as exc:
        import_folder(ew.uow(), person("tester"), folder)
    columns = {p.column for p in exc.value.problems if p.file == "transfers.csv"}
    assert {"recipient_country", "reported_on", "source"} <= columns


def test_export_writes_both_files_and_round_trips(ew, tmp_path):
    import_folder(ew.uow(), person("tester"), write(tmp_path / "in", parties=PARTIES, conflicts=CONFLICTS,
                                            transfers=TRANSFERS))
    counts = export_folder(ew.uow(), tmp_path / "out")
    assert counts["conflicts.csv"] == 1 and counts["transfers.csv"] == 2
    text = (tmp_path / "out" / "conflicts.csv").read_text(encoding="utf-8")
    assert "war-1,Test war,AM|AZ,xx-state|yy-state,2020-09-27,2020-11-10,test source" in text
    again = import_folder(ew.uow(), person("tester"), tmp_path / "out")
    assert again.changes == 0


def test_screening_load_matches_party_names_and_aliases(ew, tmp_path):
    import_folder(ew.uow(), person("tester"), write(tmp_path / "in", parties=PARTIES))
    report = load_list(ew.uow(), person("tester"), SAMPLE_LIST, listed_on=date(2021, 1, 1))
    assert (report.entities, report.skipped) == (3, 1)
    hits = list_hits(ew.reader())
    assert [h.party_id for h in hits] == ["northwind"]
    hit = hits[0]
    assert hit.entity_id == "ew-sample-northwind" and hit.dataset == "endwatch_sample"
    # The party's name is the listed one but for its legal form (FZE): the same name.
    assert (hit.party_name, hit.matched_name, hit.how) == (
        "Northwind Avionics Trading", "Northwind Avionics Trading FZE", "the same name")
    assert hit.score == 100.0 and "country agrees" in hit.parts
    assert hit.listed_on == date(2020, 8, 1)  # from the entity's first_seen
    # Loading twice adds no entity and keeps the hit.
    assert load_list(ew.uow(), person("tester"), SAMPLE_LIST, listed_on=date(2021, 1, 1)).new == 0
    assert len(list_hits(ew.reader())) == 1


def test_screening_load_reports_bad_lines(ew, tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "a", "schema": "Company", "properties": {"name": ["A Co"]}}\nnot json\n'
                   '{"id": "b", "schema": "NoSuchSchema", "properties": {}}\n', encoding="utf-8")
    with pytest.raises(InvalidInput) as exc:
        load_list(ew.uow(), person("tester"), bad, listed_on=date(2021, 1, 1))
    assert [(p.line, p.column) for p in exc.value.problems] == [(2, None), (3, "schema")]
    with ew.reader() as uow:
        assert uow.assessment.entities() == []


def test_cli_screening_load_and_hits(ew, cli, tmp_path):
    import_folder(ew.uow(), person("tester"), write(tmp_path / "in", parties=PARTIES))
    result = cli.invoke(app, ["screening", "load", str(SAMPLE_LIST), "--listed-on", "2021-01-01",
                              "--format", "json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)[0]["hits"] == 1
    result = cli.invoke(app, ["screening", "hits", "--format", "json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    assert rows[0]["party_id"] == "northwind" and rows[0]["score"] == 100.0 and rows[0]["strong"] is True


def test_strong_hit_score_is_the_authoritys_setting(ew, tmp_path):
    import_folder(ew.uow(), person("tester"), write(tmp_path / "in", parties=PARTIES))
    load_list(ew.uow(), person("tester"), SAMPLE_LIST, listed_on=date(2021, 1, 1), strong=100.5)
    [hit] = list_hits(ew.reader())
    assert hit.score == 100.0 and hit.strong is False  # under the authority's strong score: a possible match
    load_list(ew.uow(), person("tester"), SAMPLE_LIST, listed_on=date(2021, 1, 1), strong=95.0)
    assert list_hits(ew.reader())[0].strong is True
