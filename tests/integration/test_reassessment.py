"""New evidence re-assesses what it touches: a conflict or transfer import, a restricted-party list.
Both databases. The clock is fixed at 2026-11-22, so the permit below is in force "today"."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from tests.principals import person

from endwatch.services.assessment.reassessment import reassess_all, watchlist
from endwatch.services.assessment.screening import load_list
from endwatch.services.registry.imports import import_folder

SAMPLE_LIST = Path(__file__).resolve().parents[2] / "src" / "endwatch_demo" / "data" / "screening" / "sample-list.jsonl"
TODAY = date(2026, 11, 22)

FILES = {
    "parties": """id,name,kind,country,parent_id,aliases,former_names
maker,Maker Optics,company,CA,,,
ca-state,Canada,state,CA,,,
ca-navy,Canadian Navy,armed_force,CA,ca-state,,
xx-state,Xland,state,AM,,,
xx-army,Xland Army,armed_force,AM,xx-state,,
northwind,Northwind Avionics Trading,company,AE,,,
""",
    "products": """id,manufacturer_id,model,aliases,category,description,family
turret,maker,T-1,,2-15,a turret,
""",
    "applications": "number,exporter_id,consignee_id,end_user_id,destination,product_id,quantity,value,currency,"
    """received_on,end_use,no_reexport,signatory,signed_on,status,historical_source
A-1,maker,xx-army,xx-army,AM,turret,2,,,2026-01-10,patrol,yes,Officer,2026-01-05,approved,older registry
A-2,maker,northwind,ca-navy,CA,turret,1,,,2026-10-01,patrol,yes,Officer,2026-09-20,received,
""",
    "permits": "number,application_number,exporter_id,consignee_id,end_user_id,destination,product_id,quantity,"
    "value,currency,issued_on,expires_on,status,end_use,no_reexport,signatory,signed_on,exception,justification\n"
    "P-1,A-1,maker,xx-army,xx-army,AM,turret,2,,,2026-02-01,2027-12-31,issued,patrol,yes,Officer,2026-01-05,,\n",
}


def _world(ew, tmp_path: Path) -> None:
    folder = tmp_path / "world"
    folder.mkdir()
    for name, text in FILES.items():
        (folder / f"{name}.csv").write_text(text, encoding="utf-8")
    import_folder(ew.uow(), person("tester"), folder, historical="test world")
    assert reassess_all(ew, person("tester"), TODAY, "baseline") == []


def test_conflict_import_puts_the_permit_on_the_watch_list(ew, tmp_path):
    _world(ew, tmp_path)
    folder = tmp_path / "news"
    folder.mkdir()
    (folder / "conflicts.csv").write_text(
        "id,name,countries,party_ids,started_on,ended_on,source\n"
        "war,Test war,AM,xx-army,2026-11-01,,test report\n", encoding="utf-8")
    import_folder(ew.uow(), person("tester"), folder, historical="test world")
    entries = {w.subject_key: w for w in watchlist(ew.reader())}
    # The permit's end user is at war. The pending application A-2 shares only the exporter (another
    # consignee): its conflicting-declarations indicator rises to medium, which keeps its recommendation.
    assert {k: (w.before, w.after) for k, w in entries.items()} == {"P-1": ("approve_with_conditions", "deny")}
    change = {c["indicator"]: c for c in entries["P-1"].changes}["armed-conflict"]
    assert change["after"] == "critical" and change["new_evidence"][0]["ref"] == "war"
    assert "import of 1 conflict(s)" in entries["P-1"].trigger


def test_transfer_import_for_the_consignee_is_evidence_too(ew, tmp_path):
    _world(ew, tmp_path)
    folder = tmp_path / "news"
    folder.mkdir()
    (folder / "transfers.csv").write_text(
        "supplier_id,recipient_id,recipient_country,item,reported_on,source\n"
        "xx-army,,IR,turrets,2026-11-20,test report\n", encoding="utf-8")
    import_folder(ew.uow(), person("tester"), folder, historical="test world")
    entries = watchlist(ew.reader())
    assert [(w.subject_key, w.after) for w in entries] == [("P-1", "refer")]
    assert entries[0].changes[0]["indicator"] == "onward-transfers"


def test_screening_list_puts_the_pending_application_on_the_watch_list(ew, tmp_path):
    _world(ew, tmp_path)
    report = load_list(ew.uow(), person("tester"), SAMPLE_LIST, listed_on=TODAY)
    assert report.watchlist_added == 1
    entries = watchlist(ew.reader())
    # The consignee's name is the listed one but for its legal form (FZE): the listed entity itself.
    assert [(w.subject_kind, w.subject_key, w.after) for w in entries] == [("application", "A-2", "deny")]
    evidence = entries[0].changes[0]["new_evidence"][0]
    assert "'Northwind Avionics Trading FZE' (the same name" in evidence["text"] and "score 100" in evidence["text"]


def _older_registry(ew, tmp_path: Path) -> None:
    """The world above, imported from an older registry together with a war its permit's end user is in."""
    folder = tmp_path / "older"
    folder.mkdir()
    for name, text in FILES.items():
        (folder / f"{name}.csv").write_text(text, encoding="utf-8")
    (folder / "conflicts.csv").write_text(
        "id,name,countries,party_ids,started_on,ended_on,source\n"
        "war,Test war,AM,xx-army,2026-01-01,,test report\n", encoding="utf-8")
    import_folder(ew.uow(), person("tester"), folder, historical="test world")


def test_an_imported_permit_whose_first_assessment_is_deny_goes_on_the_watch_list(ew, tmp_path):
    # The import's conflicts are new evidence: it re-assesses, and that is the permit's first assessment.
    _older_registry(ew, tmp_path)
    added = watchlist(ew.reader())
    # The permit counts as approved at its issue: deny is a worsening, with the war that caused it. The
    # pending application's first assessment is not a worsening of anything: it is not on the list.
    assert [(w.subject_key, w.before, w.after) for w in added] == [("P-1", "approve", "deny")]
    change = {c["indicator"]: c for c in added[0].changes}["armed-conflict"]
    assert change["before"] == "none" and change["after"] == "critical"
    assert change["new_evidence"][0]["ref"] == "war"
    # Assessed again on the same evidence: nothing new.
    assert reassess_all(ew, person("tester"), TODAY, "again") == []


def test_assessing_an_imported_permit_by_hand_puts_it_on_the_watch_list_too(ew, tmp_path):
    from endwatch.services.assessment.assess import assess_permit

    _world(ew, tmp_path)  # the baseline re-assessment finds the permit approvable with conditions
    folder = tmp_path / "older-permit"
    folder.mkdir()
    (folder / "permits.csv").write_text(
        FILES["permits"].splitlines()[0] + "\n"
        "P-0,A-1,maker,xx-army,xx-army,IR,turret,1,,,2026-03-01,2027-12-31,issued,patrol,,,,,\n", encoding="utf-8")
    import_folder(ew.uow(), person("tester"), folder, historical="test world")
    assert watchlist(ew.reader()) == []
    result = assess_permit(ew.uow(), person("tester"), "P-0", TODAY)
    assert result.assessment.recommendation.value == "refer"  # no end-use assurance, end user in another state
    entries = watchlist(ew.reader())
    assert [(w.subject_key, w.before, w.after, w.assessment_id) for w in entries] == [
        ("P-0", "approve", "refer", result.id)]


def test_a_list_load_reassesses_only_the_subjects_whose_parties_hits_changed(ew, tmp_path):
    folder = tmp_path / "world"
    folder.mkdir()
    for name, text in FILES.items():
        (folder / f"{name}.csv").write_text(text, encoding="utf-8")
    import_folder(ew.uow(), person("tester"), folder, historical="test world")
    load_list(ew.uow(), person("tester"), SAMPLE_LIST, listed_on=TODAY)
    with ew.reader() as uow:
        # Only A-2's consignee hit the list: A-2 was assessed (deny), the permit P-1 (no party hit) was not.
        first = uow.assessment.latest_assessment("application", "A-2")
        assert first is not None and first.recommendation == "deny"
        assert uow.assessment.latest_assessment("permit", "P-1") is None
    # The same list a day later changes no hit: nothing is re-assessed.
    again = load_list(ew.uow(), person("tester"), SAMPLE_LIST, listed_on=date(2026, 11, 23))
    assert (again.changed, again.watchlist_added) == (0, 0)
    with ew.reader() as uow:
        assert uow.assessment.latest_assessment("application", "A-2") == first
        assert uow.assessment.latest_assessment("permit", "P-1") is None
