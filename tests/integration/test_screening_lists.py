"""Restricted-party lists as published: a full export replaces its dataset's previous version and delists
what it leaves out; delta files (yente's fixtures) applied in order; Sanction programmes and authorities;
`screening lists` and `screening remove`. Both databases."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa
from tests.principals import person

from endwatch.cli import app
from endwatch.errors import InvalidInput, NotFound
from endwatch.services.assessment.assess import load_world
from endwatch.services.assessment.screening import list_hits, list_lists, load_list, remove_list
from endwatch.services.assessment.screening_files import ListKind
from endwatch.services.registry.imports import import_folder

DATA = Path(__file__).resolve().parents[1] / "data"
FULL = DATA / "opensanctions-sample.ftm.json"  # yente's t1 export: six listed entities of eu_fsf, one address
DELTAS = sorted(DATA.glob("yente-t2-delta-*.json"))  # yente's t2 deltas: ADD; ADD and MOD; DEL; ADD
PARTIES = """id,name,kind,country,parent_id,aliases,former_names
tobacco,Inter Tobacco,company,,,,
aqi,Al-Qaida in Iraq,other,,,,
cst,LLC CST,company,RU,,,
"""
TOBACCO = "NK-2GdmHtZTeNXjNVrBGEXZNj"


@pytest.fixture
def parties(ew, tmp_path):
    folder = tmp_path / "registry"
    folder.mkdir()
    (folder / "parties.csv").write_text(PARTIES, encoding="utf-8")
    import_folder(ew.uow(), person("tester"), folder)


def _without(tmp_path: Path, entity_id: str) -> Path:
    out = tmp_path / "entities.ftm.json"
    out.write_text("".join(line for line in FULL.read_text(encoding="utf-8").splitlines(keepends=True)
                           if entity_id not in line), encoding="utf-8")
    return out


def _hit(ew, party: str, entity: str):
    return next(h for h in list_hits(ew.reader()) if (h.party_id, h.entity_id) == (party, entity))


def test_a_full_export_replaces_the_previous_version_and_delists_what_it_leaves_out(ew, parties, tmp_path):
    first = load_list(ew.uow(), person("tester"), FULL, listed_on=date(2024, 3, 1))
    assert (first.kind, first.dataset, first.entities, first.skipped, first.delisted) == ("full", "eu_fsf", 6, 1, 0)
    assert _hit(ew, "tobacco", TOBACCO).ended_on is None
    again = load_list(ew.uow(), person("tester"), _without(tmp_path, TOBACCO), listed_on=date(2024, 6, 1))
    assert (again.entities, again.new, again.delisted) == (5, 0, 1)
    hit = _hit(ew, "tobacco", TOBACCO)
    assert hit.ended_on == date(2024, 6, 1) and hit.listed_on == date(2023, 4, 20)
    with ew.reader() as uow:
        world = load_world(uow)
    # Assessments as of a day before the delisting still see the hit; as of the day and after, not.
    assert [h.entity_id for h in world.known_by(date(2024, 5, 31)).hits if h.party_id == "tobacco"] == [TOBACCO]
    assert [h for h in world.known_by(date(2024, 6, 1)).hits if h.party_id == "tobacco"] == []
    [listed] = list_lists(ew.reader())
    assert (listed.dataset, listed.kind, listed.loaded_on, listed.entities, listed.targets) == (
        "eu_fsf", "full", date(2024, 6, 1), 6, 5)
    # Listed again by a later export: its hit no longer ends.
    load_list(ew.uow(), person("tester"), FULL, listed_on=date(2024, 9, 1))
    assert _hit(ew, "tobacco", TOBACCO).ended_on is None


def test_delta_files_are_applied_in_order(ew, parties):
    load_list(ew.uow(), person("tester"), FULL, listed_on=date(2024, 5, 1), dataset="t2")
    kinds = [load_list(ew.uow(), person("tester"), path, listed_on=date(2024, 5, 28), dataset="t2").kind
             for path in DELTAS]
    assert kinds == ["delta"] * 4
    with ew.reader() as uow:
        stored = {e.id: e for e in uow.assessment.entities("t2")}
    # MOD replaced the entity added before it; DEL delisted the other one, keeping it for earlier dates.
    assert stored["NK-2T3S8Hu29ktYnKSTgQp2wL"].caption == "Foobar Foobargroup"
    assert stored["NK-500Poltergeist"].delisted_on == date(2024, 5, 28)
    assert stored["Q4365364"].delisted_on is None and stored[TOBACCO].delisted_on is None
    assert _hit(ew, "aqi", "NK-500Poltergeist").ended_on == date(2024, 5, 28)
    [listed] = list_lists(ew.reader())
    assert (listed.kind, listed.entities, listed.targets) == ("delta", 10, 9)


def test_a_delta_where_a_full_list_is_expected_is_named_and_nothing_is_written(ew, parties):
    with pytest.raises(InvalidInput) as exc:
        load_list(ew.uow(), person("tester"), DELTAS[0], listed_on=date(2024, 5, 1), expect=ListKind.full)
    [problem] = exc.value.problems
    assert "a delta file" in problem.message and (problem.file, problem.line, problem.column) == (
        DELTAS[0].name, 1, "op")
    with ew.reader() as uow:
        assert uow.assessment.entities() == [] and uow.assessment.lists() == []


def test_every_bad_delta_line_is_reported_with_line_and_field(ew, tmp_path):
    bad = tmp_path / "bad.delta.json"
    bad.write_text('{"op": "ADD", "entity": {"id": "a", "schema": "Company", "properties": {"name": ["A Co"]}}}\n'
                   '{"op": "UPSERT", "entity": {"id": "b"}}\n'
                   '{"op": "DEL", "entity": {}}\n'
                   '{"op": "MOD", "entity": {"id": "c", "schema": "Company", "properties": {}}}\n', encoding="utf-8")
    with pytest.raises(InvalidInput) as exc:
        load_list(ew.uow(), person("tester"), bad, listed_on=date(2024, 5, 1))
    assert [(p.file, p.line, p.column) for p in exc.value.problems] == [
        ("bad.delta.json", 2, "op"), ("bad.delta.json", 3, "entity.id"),
        ("bad.delta.json", 4, "entity.properties.name")]
    with ew.reader() as uow:
        assert uow.assessment.entities() == []


def test_sanction_programme_and_authority_are_stored_and_cited(ew, parties):
    load_list(ew.uow(), person("tester"), DATA / "yente-zala.ftm.json", listed_on=date(2024, 6, 1))
    hit = _hit(ew, "cst", "NK-abdzbEBkqyT29GyREbiURZ")
    assert "Office of Foreign Assets Control" in hit.authority and "RUSSIA-EO14024" in hit.programme


def test_remove_a_list_ends_its_hits_audited(ew, parties, cli):
    load_list(ew.uow(), person("tester"), FULL, listed_on=date(2024, 3, 1))
    result = cli.invoke(app, ["screening", "remove", "eu_fsf", "--reason", "list withdrawn", "--on", "2024-07-01",
                              "--format", "json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)[0]["removed_on"] == "2024-07-01"
    assert _hit(ew, "tobacco", TOBACCO).ended_on == date(2024, 7, 1)
    with ew.reader() as uow:
        [entry] = [e for e in uow.audit.for_entity("screening_list", "eu_fsf") if e.action == "screening.remove"]
        assert entry.reason == "list withdrawn"
    with pytest.raises(NotFound):
        remove_list(ew.uow(), person("tester"), "eu_fsf", on=date(2024, 8, 1), reason="again")


def test_cli_load_delta_and_lists(ew, parties, cli):
    result = cli.invoke(app, ["screening", "load", str(DELTAS[0]), "--dataset", "t2", "--kind", "full"])
    assert result.exit_code != 0 and "a delta file" in result.output and DELTAS[0].name in result.output
    result = cli.invoke(app, ["screening", "load", str(DELTAS[0]), "--dataset", "t2", "--listed-on", "2024-05-27",
                              "--format", "json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)[0]["kind"] == "delta"
    result = cli.invoke(app, ["screening", "lists", "--format", "json"])
    assert result.exit_code == 0, result.output
    [row] = json.loads(result.output)
    assert (row["dataset"], row["entities"], row["targets"], row["loaded_on"]) == ("t2", 2, 2, "2024-05-27")


def test_loads_screen_only_new_or_changed_entities_and_parties(ew, parties, tmp_path):
    first = load_list(ew.uow(), person("tester"), FULL, listed_on=date(2024, 3, 1))
    assert first.changed == 6
    # The same export again: nothing new or changed, nothing screened, the hits kept.
    again = load_list(ew.uow(), person("tester"), FULL, listed_on=date(2024, 4, 1))
    assert (again.changed, again.hits) == (0, first.hits)
    # A party registered since is screened against every stored entity on the next load, even one that
    # brings nothing new; an entity changed by a delta is screened against every party.
    folder = tmp_path / "more"
    folder.mkdir()
    (folder / "parties.csv").write_text("id,name,kind,country,parent_id,aliases,former_names\n"
                                        "irgc,Iranian Revolutionary Guard Corps,armed_force,IR,,,\n", encoding="utf-8")
    import_folder(ew.uow(), person("tester"), folder)
    later = load_list(ew.uow(), person("tester"), FULL, listed_on=date(2024, 5, 1))
    assert later.changed == 0
    assert _hit(ew, "irgc", "NK-2PacmNpiLUmoz4XD2mSt7A").score >= 80
    load_list(ew.uow(), person("tester"), DELTAS[0], listed_on=date(2024, 5, 27), dataset="eu_fsf")
    assert _hit(ew, "aqi", "NK-2T3S8Hu29ktYnKSTgQp2wL").ended_on is None
    modded = load_list(ew.uow(), person("tester"), DELTAS[1], listed_on=date(2024, 5, 28), dataset="eu_fsf")
    assert modded.changed == 2
    # The MOD renamed the entity "Foobar Foobargroup" with IRGC's names: the party that hit its old name
    # no longer does, and IRGC's party now does.
    hits = {(h.party_id, h.entity_id) for h in list_hits(ew.reader())}
    assert ("irgc", "NK-2T3S8Hu29ktYnKSTgQp2wL") in hits and ("aqi", "NK-2T3S8Hu29ktYnKSTgQp2wL") not in hits


def test_an_entity_listed_delisted_and_listed_again_keeps_every_listing(ew, parties, tmp_path):
    load_list(ew.uow(), person("tester"), FULL, listed_on=date(2024, 3, 1))
    load_list(ew.uow(), person("tester"), _without(tmp_path, TOBACCO), listed_on=date(2024, 6, 1))
    load_list(ew.uow(), person("tester"), FULL, listed_on=date(2024, 9, 1))
    hit = _hit(ew, "tobacco", TOBACCO)
    assert hit.listings == ((date(2023, 4, 20), date(2024, 6, 1)), (date(2024, 9, 1), None))
    assert (hit.listed_on, hit.ended_on) == (date(2023, 4, 20), None)
    with ew.reader() as uow:
        world = load_world(uow)
    seen = {day: [h.entity_id for h in world.known_by(day).hits if h.party_id == "tobacco"]
            for day in (date(2024, 5, 31), date(2024, 7, 1), date(2024, 9, 1))}
    # Listed, then not while it was off the list, then listed again: the gap is kept.
    assert seen == {date(2024, 5, 31): [TOBACCO], date(2024, 7, 1): [], date(2024, 9, 1): [TOBACCO]}
    with ew.reader() as uow:
        assert [(x.listed_on, x.delisted_on) for x in uow.assessment.listings([TOBACCO])] == list(hit.listings)


def test_an_entity_in_two_lists_belongs_to_both_and_leaving_one_keeps_the_other(ew, parties, tmp_path):
    load_list(ew.uow(), person("tester"), FULL, listed_on=date(2024, 3, 1))
    load_list(ew.uow(), person("tester"), FULL, listed_on=date(2024, 3, 1), dataset="other_list")
    load_list(ew.uow(), person("tester"), _without(tmp_path, TOBACCO), listed_on=date(2024, 6, 1))
    hit = _hit(ew, "tobacco", TOBACCO)
    assert hit.ended_on is None and hit.dataset == "other_list"
    counts = {x.dataset: (x.entities, x.targets) for x in list_lists(ew.reader())}
    assert counts == {"eu_fsf": (6, 5), "other_list": (6, 6)}
    remove_list(ew.uow(), person("tester"), "other_list", on=date(2024, 7, 1), reason="withdrawn")
    hit = _hit(ew, "tobacco", TOBACCO)
    # Both listings ended: the hit counts until the later end, and names both lists.
    assert hit.ended_on == date(2024, 7, 1) and hit.dataset == "eu_fsf; other_list"
    assert hit.listings == ((date(2023, 4, 20), date(2024, 7, 1)),)
    with ew.reader() as uow:
        others = [e for e in uow.assessment.entities("other_list") if e.id != TOBACCO]
    assert len(others) == 5 and all(e.delisted_on is None and e.dataset == "eu_fsf" for e in others)


def test_a_sanction_in_a_delta_dates_and_names_the_programme_of_a_stored_entity(ew, parties, tmp_path):
    load_list(ew.uow(), person("tester"), FULL, listed_on=date(2024, 3, 1))
    delta = tmp_path / "sanction.delta.json"
    delta.write_text(json.dumps({"op": "ADD", "entity": {
        "id": "sanction-tobacco", "schema": "Sanction", "target": False,
        "properties": {"entity": [TOBACCO], "program": ["TEST-PROGRAMME"], "authority": ["Test Authority"],
                       "startDate": ["2023-01-15"]}}}) + "\n", encoding="utf-8")
    report = load_list(ew.uow(), person("tester"), delta, listed_on=date(2024, 5, 1), dataset="eu_fsf")
    assert (report.kind, report.entities, report.skipped) == ("delta", 0, 1)
    hit = _hit(ew, "tobacco", TOBACCO)
    assert "TEST-PROGRAMME" in hit.programme and "Test Authority" in hit.authority
    assert hit.listed_on == date(2023, 1, 15) and hit.listings == ((date(2023, 1, 15), None),)


def test_identifiers_and_birth_dates_saved_with_parties_weigh_on_stored_hits(ew, cli, tmp_path):
    result = cli.invoke(app, ["party", "add", "zala-front", "--name", "Zala Aero", "--kind", "company",
                              "--country", "AE", "--identifier", "inn:9715478507", "--identifier", "lei:X1"])
    assert result.exit_code == 0, result.output
    for pid, born in (("osetrova", "1988-01-07"), ("namesake", "1990-05-05")):
        result = cli.invoke(app, ["party", "add", pid, "--name", "Maria Osetrova", "--kind", "person",
                                  "--birth-date", born])
        assert result.exit_code == 0, result.output
    bad = cli.invoke(app, ["party", "add", "x", "--name", "X", "--kind", "person", "--birth-date", "05/05/1990"])
    assert bad.exit_code != 0 and "--birth-date" in bad.output
    with ew.reader() as uow:
        stored = uow.parties.get("zala-front")
        assert stored is not None and stored.identifiers == ("inn:9715478507", "lei:X1")
        assert uow.parties.get("namesake").birth_date == date(1990, 5, 5)
    load_list(ew.uow(), person("tester"), DATA / "yente-zala.ftm.json", listed_on=date(2024, 6, 1))
    zala = _hit(ew, "zala-front", "NK-cPks3aTbes8k4aCerfBAzN")
    assert "identifier agrees (innCode 9715478507) +10" in zala.parts and zala.score == 100.0
    osetrova = _hit(ew, "osetrova", "NK-2Tbri3s6GgNtAwsSXh4qpL")  # listed as born 1988-01-07
    assert "birth date agrees (1988-01-07) +5" in osetrova.parts
    # The same name born another day: the contradiction takes the hit below the threshold.
    assert not [h for h in list_hits(ew.reader()) if h.party_id == "namesake"]


def test_a_party_saved_or_imported_between_loads_is_screened_on_save(ew, parties, cli, tmp_path):
    load_list(ew.uow(), person("tester"), FULL, listed_on=date(2024, 3, 1))
    result = cli.invoke(app, ["party", "add", "kuzmenko", "--name", "Vitaly Kuzmenko", "--kind", "person"])
    assert result.exit_code == 0, result.output
    assert _hit(ew, "kuzmenko", "NK-2Ka3UvopqbpZmVDFjWd4LA").score >= 80  # no load since
    with ew.reader() as uow:
        assert len([e for e in uow.audit.for_entity("party", "kuzmenko") if e.action == "party.save"]) == 1
    # Renamed: its hit goes, in the same write.
    result = cli.invoke(app, ["party", "add", "kuzmenko", "--name", "Vitaly Kuzmin", "--kind", "person"])
    assert result.exit_code == 0, result.output
    assert not [h for h in list_hits(ew.reader()) if h.party_id == "kuzmenko"]
    # A party created by an import is screened by that import.
    folder = tmp_path / "more"
    folder.mkdir()
    (folder / "parties.csv").write_text("id,name,kind,country,parent_id,aliases,former_names\n"
                                        "irgc,Iranian Revolutionary Guard Corps,armed_force,IR,,,\n", encoding="utf-8")
    import_folder(ew.uow(), person("tester"), folder)
    assert _hit(ew, "irgc", "NK-2PacmNpiLUmoz4XD2mSt7A").score >= 80


def test_entities_stored_before_listing_history_read_as_one_listing_until_a_load_writes_theirs(ew, parties, tmp_path):
    load_list(ew.uow(), person("tester"), FULL, listed_on=date(2024, 3, 1))
    with ew.engine.begin() as conn:  # as a database migrated from before 0027_screening_listings holds them
        conn.execute(sa.text("delete from screening_listings"))
    hit = _hit(ew, "tobacco", TOBACCO)
    assert hit.listings == ((date(2023, 4, 20), None),)
    assert [(x.dataset, x.entities, x.targets) for x in list_lists(ew.reader())] == [("eu_fsf", 6, 6)]
    with ew.reader() as uow:
        assert len(uow.assessment.entities("eu_fsf")) == 6
    load_list(ew.uow(), person("tester"), _without(tmp_path, TOBACCO), listed_on=date(2024, 6, 1))
    hit = _hit(ew, "tobacco", TOBACCO)
    assert hit.listings == ((date(2023, 4, 20), date(2024, 6, 1)),) and hit.ended_on == date(2024, 6, 1)
    assert [(x.dataset, x.entities, x.targets) for x in list_lists(ew.reader())] == [("eu_fsf", 6, 5)]


def test_a_save_screens_on_a_snapshot_so_its_write_holds_the_lock_only_to_write(ew, parties, monkeypatch):
    from contextlib import contextmanager

    from endwatch.domain.parties import Party, PartyKind
    from endwatch.services import gate
    from endwatch.services.assessment import screening
    from endwatch.services.registry.parties import save_party

    load_list(ew.uow(), person("tester"), FULL, listed_on=date(2024, 3, 1))
    open_writes = [0]
    original_write, original_match = gate.write, screening.match_parties

    @contextmanager
    def counted(*args, **kwargs):
        open_writes[0] += 1
        try:
            with original_write(*args, **kwargs) as w:
                yield w
        finally:
            open_writes[0] -= 1

    screened_in_write: list[int] = []
    meanwhile: list[Party] = []

    def matching(*args, **kwargs):
        screened_in_write.append(open_writes[0])
        if meanwhile:  # another party saved while this one is screened: what the screening read has changed
            save_party(ew.uow(), person("tester"), meanwhile.pop())
        return original_match(*args, **kwargs)

    monkeypatch.setattr(gate, "write", counted)
    monkeypatch.setattr(screening, "match_parties", matching)
    save_party(ew, person("tester"), Party("kuzmenko", "Vitaly Kuzmenko", PartyKind.PERSON), then=ew.party_saved)
    assert screened_in_write == [0]  # screened on a read snapshot, before the write began
    assert _hit(ew, "kuzmenko", "NK-2Ka3UvopqbpZmVDFjWd4LA").score >= 80
    # A save meanwhile touches the parties the screening read: the save screens again on a new snapshot, and the
    # party saved meanwhile (without screening of its own) is screened with it.
    screened_in_write.clear()
    meanwhile.append(Party("irgc", "Iranian Revolutionary Guard Corps", PartyKind.ARMED_FORCE, "IR"))
    save_party(ew, person("tester"), Party("kuzmenko-2", "Vitaly Kuzmenko", PartyKind.PERSON), then=ew.party_saved)
    assert screened_in_write == [0, 0]
    assert _hit(ew, "kuzmenko-2", "NK-2Ka3UvopqbpZmVDFjWd4LA").score >= 80
    assert _hit(ew, "irgc", "NK-2PacmNpiLUmoz4XD2mSt7A").score >= 80
