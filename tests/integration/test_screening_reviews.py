"""Reviews of screening hits: confirm or dismiss with a reason, audited; a dismissal holds on later loads
until the entity or the party changes; four eyes where the authority says so; the indicator ignores dismissed
hits and says so. Both databases."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from tests.principals import person
from tests.unit.risk.worlds import application, subject

from endwatch.cli import app
from endwatch.domain.risk import screening as indicator
from endwatch.domain.risk.model import Severity
from endwatch.errors import Forbidden, InvalidInput, NotFound
from endwatch.services.assessment.assess import load_world
from endwatch.services.assessment.screening import list_hits, load_list
from endwatch.services.assessment.screening_review import review_hit
from endwatch.services.authz import Role
from endwatch.services.registry.imports import import_folder

DATA = Path(__file__).resolve().parents[1] / "data"
FULL = DATA / "opensanctions-sample.ftm.json"
IRGC = "NK-2PacmNpiLUmoz4XD2mSt7A"
HIT = f"irgc:{IRGC}"
HEADER = "id,name,kind,country,parent_id,aliases,former_names\n"


def _parties(ew, tmp_path: Path, row: str) -> None:
    folder = tmp_path / f"registry-{abs(hash(row))}"
    folder.mkdir()
    (folder / "parties.csv").write_text(HEADER + row, encoding="utf-8")
    import_folder(ew.uow(), person("tester"), folder)


@pytest.fixture
def loaded(ew, tmp_path):
    _parties(ew, tmp_path, "irgc,Iranian Revolutionary Guard Corps,armed_force,IR,,,\n")
    load_list(ew.uow(), person("tester"), FULL, listed_on=date(2024, 3, 1))


def _hit(ew):
    return next(h for h in list_hits(ew.reader()) if h.party_id == "irgc" and h.entity_id == IRGC)


def test_a_dismissed_hit_stays_dismissed_on_later_loads_until_the_entity_changes(ew, loaded, tmp_path):
    officer = person("olga", Role.LICENSING_OFFICER)
    review = review_hit(ew.uow(), officer, HIT, "dismissed", "a trading company, not the corps")
    assert (review.state, review.reviewed_by) == ("in force", "olga")
    hit = _hit(ew)
    assert hit.review == "dismissed" and "olga" in hit.review_note
    with ew.reader() as uow:
        [entry] = [e for e in uow.audit.for_entity("screening_hit", HIT)]
        assert entry.action == "screening.review" and entry.reason == "a trading company, not the corps"
    load_list(ew.uow(), person("tester"), FULL, listed_on=date(2024, 4, 1))
    assert _hit(ew).review == "dismissed"
    # The list changes the entity (a new alias): the dismissal no longer holds.
    changed = tmp_path / "changed.ftm.json"
    changed.write_text(FULL.read_text(encoding="utf-8").replace('"Iranian Revolutionary Guard Corps"',
                                                                   '"Iranian Revolutionary Guard Corps", "Sepah"'),
                       encoding="utf-8")
    load_list(ew.uow(), person("tester"), changed, listed_on=date(2024, 5, 1))
    assert _hit(ew).review == ""


def test_a_change_of_the_party_ends_the_review(ew, loaded, tmp_path):
    review_hit(ew.uow(), person("olga", Role.LICENSING_OFFICER), HIT, "confirmed", "the corps' front")
    assert _hit(ew).review == "confirmed"
    _parties(ew, tmp_path, "irgc,Iranian Revolutionary Guard Corps,armed_force,IR,,Sepah,\n")
    load_list(ew.uow(), person("tester"), FULL, listed_on=date(2024, 4, 1))
    assert _hit(ew).review == ""


def test_the_indicator_ignores_dismissed_hits_and_says_so(ew, loaded):
    review_hit(ew.uow(), person("olga", Role.LICENSING_OFFICER), HIT, "dismissed", "not the corps")
    with ew.reader() as uow:
        world = load_world(uow).known_by(date(2024, 6, 1))
    hits = [h for h in world.hits if h.party_id == "irgc"]
    assert hits and all(h.dismissed for h in hits)
    s = subject(application(consignee="irgc"))
    result = indicator.assess(s, world, date(2024, 6, 1))
    assert result.severity is Severity.NONE and "dismissed on review not counted" in result.summary


def test_four_eyes_a_dismissal_needs_a_second_different_officer(ew, loaded):
    first = review_hit(ew.uow(), person("olga", Role.LICENSING_OFFICER), HIT, "dismissed", "not the corps",
                       four_eyes=True)
    assert first.state == "awaiting second" and _hit(ew).review == ""
    with pytest.raises(InvalidInput, match="second, different officer"):
        review_hit(ew.uow(), person("olga", Role.LICENSING_OFFICER), HIT, "dismissed", "again", four_eyes=True)
    second = review_hit(ew.uow(), person("abel", Role.APPROVER), HIT, "dismissed", "agreed", four_eyes=True)
    assert (second.state, second.second_by, second.id) == ("in force", "abel", first.id)
    assert _hit(ew).review == "dismissed"


def test_bad_reviews_are_refused_and_change_nothing(ew, loaded):
    officer = person("olga", Role.LICENSING_OFFICER)
    with pytest.raises(InvalidInput) as exc:
        review_hit(ew.uow(), officer, HIT, "maybe", " ")
    assert [p.column for p in exc.value.problems] == ["verdict", "reason"]
    with pytest.raises(InvalidInput):
        review_hit(ew.uow(), officer, "no-colon", "dismissed", "r")
    with pytest.raises(NotFound):
        review_hit(ew.uow(), officer, "irgc:NK-nothing", "dismissed", "r")
    with pytest.raises(Forbidden):
        review_hit(ew.uow(), person("ivan", Role.INVESTIGATOR), HIT, "dismissed", "r")
    with ew.reader() as uow:
        assert uow.assessment.reviews() == []


def test_cli_review(ew, loaded, cli):
    result = cli.invoke(app, ["screening", "review", HIT, "--dismiss", "--reason", "not the corps", "--format",
                              "json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)[0]["verdict"] == "dismissed"
    result = cli.invoke(app, ["screening", "review", HIT, "--reason", "r"])
    assert result.exit_code != 0 and "--confirm" in result.output
    rows = json.loads(cli.invoke(app, ["screening", "hits", "--format", "json"]).output)
    assert next(r for r in rows if r["hit"] == HIT)["review"] == "dismissed"
