"""The check programme and its plan on a hand-built registry, at several dates, with every rule: a designated
product's inventories (initial, periodic, items delivered since, the undertaking's term), post-shipment
verification named by the assessment, pre-shipment checks by destination, pre-licence checks on pending
applications; versions by effective date; bad programme files refused whole."""

from __future__ import annotations

import json
from datetime import date

import pytest
import sqlalchemy as sa
from tests.factories import ACTOR, permit, small_world
from tests.principals import person

from endwatch.cli import app
from endwatch.domain.parties import Party, PartyKind
from endwatch.domain.permits import Application
from endwatch.domain.products import Product
from endwatch.errors import Forbidden, InvalidInput
from endwatch.services.assessment.store import StoredAssessment
from endwatch.services.authz import Action, Role
from endwatch.services.gate import write
from endwatch.services.monitoring import checks, programme
from endwatch.services.monitoring.plan import plan
from endwatch.services.monitoring.store import Check
from endwatch.services.registry.applications import receive_application
from endwatch.services.registry.deliveries import record_delivery
from endwatch.services.registry.parties import save_party
from endwatch.services.registry.permits import issue_permit
from endwatch.services.registry.products import save_product

PROGRAMME = {
    "effective_from": "2024-01-01", "due_soon_days": 30, "horizon_days": 180, "reference": "programme 2024",
    "rules": [
        {"id": "inv", "kind": "inventory", "when": {"designated": True}, "within_days": 60, "every_months": 12,
         "lasts_years": 3},
        {"id": "psv", "kind": "post-shipment", "when": {"conditions": ["post-shipment verification"]},
         "within_days": 90},
        {"id": "pre-ship", "kind": "pre-shipment", "when": {"destinations": ["UA"], "categories": ["2-*"]},
         "within_days": 14},
        {"id": "pre-lic", "kind": "pre-licence", "when": {"designated": True}, "within_days": 30},
    ],
}


def _assessed(ew, kind: str, key: str, as_of: date, recommendation: str, conditions: list[str]) -> None:
    with write(ew.uow(), ACTOR, Action.ASSESSMENTS_RUN) as w:
        w.uow.assessment.add_assessment(StoredAssessment(None, kind, key, None, as_of, recommendation, conditions,
                                                         [], [], {}, "test", "2024-01-01T00:00:00", "test"))
        w.record(action="assessment.test", entity=kind, key=key)


def _world(ew) -> None:
    small_world(ew)
    save_party(ew.uow(), ACTOR, Party("u", "Land Forces", PartyKind.ARMED_FORCE, "UA"))
    save_product(ew.uow(), ACTOR, Product("d", "m", "D-1", categories=("ML1",), designated=True))
    issue_permit(ew.uow(), ACTOR, permit("P-INV", 10, product_id="d", issued_on=date(2024, 1, 10),
                                         expires_on=date(2027, 12, 31), exception=None, justification=None))
    issue_permit(ew.uow(), ACTOR, permit("P-PSV", 5, issued_on=date(2024, 1, 10), expires_on=date(2027, 12, 31)))
    issue_permit(ew.uow(), ACTOR, permit("P-UA", 5, destination="UA", consignee_id="u", end_user_id="u",
                                         issued_on=date(2024, 1, 10), expires_on=date(2027, 12, 31),
                                         exception=None, justification=None))
    record_delivery(ew.uow(), ACTOR, "P-INV", date(2024, 3, 1), ["D1", "D2", "D3"])
    record_delivery(ew.uow(), ACTOR, "P-INV", date(2024, 9, 1), ["D4", "D5"])
    record_delivery(ew.uow(), ACTOR, "P-PSV", date(2024, 2, 1), ["S1"])
    _assessed(ew, "permit", "P-PSV", date(2024, 1, 10), "approve_with_conditions", ["post-shipment verification"])
    receive_application(ew.uow(), ACTOR, Application("A-1", "m", "u", "u", "UA", "d", 4, date(2024, 1, 5)))
    programme.set_programme(ew.uow(), ACTOR, programme.parse(json.dumps(PROGRAMME)), "first programme")


def _plan(ew, on: date, who=ACTOR) -> dict[tuple[str, str], tuple[str, date, int, int]]:
    result = plan(ew.reader(), who, on)
    return {(c.rule, c.subject_key): (c.status, c.due_on, c.days_overdue, c.items) for c in result.checks}


def _done(ew, kind: str, subjects: tuple[tuple[str, str], ...], on: date) -> int:
    check = checks.open_check(ew.uow(), ACTOR, Check(None, kind, subjects, on, "inspector one", "base"))
    assert check.id is not None
    checks.record_result(ew.uow(), ACTOR, check.id, on, "favourable", "", [])
    return check.id


def test_plan_at_several_dates_with_every_rule(ew):
    _world(ew)
    assert _plan(ew, date(2024, 2, 1)) == {
        ("psv", "P-PSV"): ("coming", date(2024, 5, 1), 0, 1),  # delivered 1 Feb + 90 days
        ("pre-ship", "P-UA"): ("overdue", date(2024, 1, 24), 8, 0),  # issued 10 Jan + 14 days
        ("pre-lic", "A-1"): ("due", date(2024, 2, 4), 0, 4),  # received 5 Jan + 30 days
    }
    _done(ew, "pre-licence", (("application", "A-1"),), date(2024, 2, 3))
    at_may = _plan(ew, date(2024, 5, 15))
    assert at_may == {
        ("inv", "P-INV"): ("overdue", date(2024, 4, 30), 15, 3),  # first delivery 1 Mar + 60 days
        ("psv", "P-PSV"): ("overdue", date(2024, 5, 1), 14, 1),
        ("pre-ship", "P-UA"): ("overdue", date(2024, 1, 24), 112, 0),
    }
    result = plan(ew.reader(), ACTOR, date(2024, 5, 15))
    assert (result.designated_items, result.designated_items_overdue) == (3, 3)
    # Grouped by destination, then end user: TR's checks before UA's.
    assert [c.destination for c in result.checks] == ["TR", "TR", "UA"]

    _done(ew, "inventory", (("permit", "P-INV"),), date(2024, 5, 20))
    _done(ew, "post-shipment", (("permit", "P-PSV"),), date(2024, 5, 20))
    _done(ew, "pre-shipment", (("permit", "P-UA"),), date(2024, 5, 20))
    # Two items delivered on 1 Sep after the inventory: their first inventory is due within 60 days, before
    # the yearly one (20 May 2025).
    assert _plan(ew, date(2024, 10, 15)) == {("inv", "P-INV"): ("due", date(2024, 10, 31), 0, 2)}
    _done(ew, "inventory", (("permit", "P-INV"),), date(2024, 10, 20))
    assert _plan(ew, date(2025, 5, 1)) == {("inv", "P-INV"): ("coming", date(2025, 10, 20), 0, 5)}
    share = plan(ew.reader(), ACTOR, date(2025, 5, 1))
    assert (share.designated_items, share.designated_items_overdue) == (5, 0)
    assert _plan(ew, date(2025, 11, 1)) == {("inv", "P-INV"): ("overdue", date(2025, 10, 20), 12, 5)}
    # The undertaking's term (3 years after the last delivery, 1 Sep 2027) ends the inventories.
    assert _plan(ew, date(2027, 9, 2)) == {}


def test_versions_take_effect_on_their_date(ew):
    _world(ew)
    _done(ew, "inventory", (("permit", "P-INV"),), date(2024, 10, 20))
    second = dict(PROGRAMME, effective_from="2025-01-01",
                  rules=[dict(PROGRAMME["rules"][0], every_months=6)])
    programme.set_programme(ew.uow(), ACTOR, programme.parse(json.dumps(second)), "every six months")
    # Under the first version the next inventory (20 Oct 2025) lies beyond the 180-day horizon.
    assert ("inv", "P-INV") not in _plan(ew, date(2024, 12, 31))
    # The second version has the inventory rule alone, every six months.
    assert _plan(ew, date(2025, 1, 2)) == {("inv", "P-INV"): ("coming", date(2025, 4, 20), 0, 5)}
    assert programme.programme_in_force(ew.reader(), date(2023, 12, 31)) is None
    assert [v.effective_from for v in programme.programme_versions(ew.reader())] == [date(2024, 1, 1),
                                                                                     date(2025, 1, 1)]
    with ew.engine.connect() as conn:
        audited = conn.execute(sa.text("select count(*) from audit_log where action = 'checks.programme'")).scalar()
    assert audited == 2


def test_an_exporter_sees_only_its_own_and_the_public_nothing(ew):
    _world(ew)
    save_party(ew.uow(), ACTOR, Party("x", "Other Exporter", PartyKind.COMPANY, "CA"))
    assert {k for k, _ in _plan(ew, date(2024, 5, 15), person("m-user", Role.EXPORTER, "m"))} == {
        "inv", "psv", "pre-ship", "pre-lic"}
    assert _plan(ew, date(2024, 5, 15), person("x-user", Role.EXPORTER, "x")) == {}
    with pytest.raises(Forbidden):
        plan(ew.reader(), person("anyone", Role.PUBLIC), date(2024, 5, 15))


@pytest.mark.parametrize(("change", "expected"), [
    (lambda p: p | {"effective_from": "2024-13-01"}, "[effective_from]: '2024-13-01' is not a date"),
    (lambda p: p | {"colour": "red"}, "[colour]: unknown field 'colour'"),
    (lambda p: p | {"rules": [{"id": "x", "kind": "audit"}]}, "[rules[1].kind]: kind 'audit' is not one of"),
    (lambda p: p | {"rules": [{"id": "x", "kind": "inventory", "within_days": 30}]},
     "[rules[1].every_months]: an inventory rule says how often it repeats"),
    (lambda p: p | {"rules": [{"id": "x", "kind": "post-shipment", "within_days": -1}]},
     "[rules[1].within_days]: rules[1].within_days must be a whole number from 0"),
    (lambda p: p | {"rules": [{"id": "x", "kind": "post-shipment", "when": {"destinations": ["XX"]}}]},
     "[rules[1].when.destinations]: 'XX' is not an ISO 3166-1 alpha-2 code"),
    (lambda p: p | {"rules": [{"id": "x", "kind": "post-shipment", "when": {"conditions": ["be nice"]}}]},
     "[rules[1].when.conditions]: 'be nice' is not one of"),
    (lambda p: p | {"rules": [PROGRAMME["rules"][0], PROGRAMME["rules"][0]]}, "rule id 'inv' is used twice"),
])
def test_a_bad_programme_is_refused_whole_naming_each_problem(ew, tmp_path, cli, change, expected):
    bad = tmp_path / "programme.json"
    bad.write_text(json.dumps(change(dict(PROGRAMME))))
    with pytest.raises(InvalidInput) as refused:
        programme.parse(bad.read_text(), str(bad))
    assert any(expected in str(p) and str(bad) in str(p) for p in refused.value.problems), refused.value.problems
    r = cli.invoke(app, ["checks", "programme", "set", str(bad)])
    assert r.exit_code == 1 and "nothing was written" in r.output and expected in r.output, r.output
    assert programme.programme_versions(ew.reader()) == []


def test_the_command_line_sets_shows_and_plans(ew, tmp_path, cli):
    _world(ew)
    (tmp_path / "p.json").write_text("{not json")
    r = cli.invoke(app, ["checks", "programme", "set", str(tmp_path / "p.json")])
    assert r.exit_code == 1 and "not JSON" in r.output, r.output
    r = cli.invoke(app, ["checks", "programme", "show", "--as-of", "2024-06-01"])
    assert r.exit_code == 0 and json.loads(r.output)["rules"][0]["id"] == "inv", r.output
    (tmp_path / "again.json").write_text(r.output)
    r = cli.invoke(app, ["checks", "programme", "set", str(tmp_path / "again.json"), "--reason", "unchanged"])
    assert r.exit_code == 0 and "4 rule(s) in force from 2024-01-01" in r.output, r.output
    r = cli.invoke(app, ["checks", "plan", "--as-of", "2024-05-15", "--format", "csv"])
    assert r.exit_code == 0, r.output
    lines = r.output.splitlines()
    assert lines[0].startswith("destination,end_user_id,kind,subject,number,rule,due_on,status")
    assert "TR,n,inventory,permit,P-INV,inv,2024-04-30,overdue,15,3" in r.output
    r = cli.invoke(app, ["checks", "plan", "--as-of", "2024-05-15", "--format", "json"])
    assert json.loads(r.output)["designated_items_overdue"] == 3
    r = cli.invoke(app, ["checks", "plan", "--as-of", "2024-05-15"])
    assert r.exit_code == 0 and "P-INV" in r.output and "3 of 3 (100%)" in r.output, r.output


def test_the_designated_flag_travels_in_the_exchange_format(ew, tmp_path):
    from endwatch.services.registry.exports import export_folder
    from endwatch.services.registry.imports import import_folder

    _world(ew)
    export_folder(ew.reader(), tmp_path / "out")
    text = (tmp_path / "out" / "products.csv").read_text()
    header, *rows = text.splitlines()
    flags = {r.split(",")[0]: r.split(",")[header.split(",").index("designated")] for r in rows}
    assert flags["d"] == "yes" and flags["s"] in ("", "no")
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "parties.csv").write_text("id,name,kind,country\nm2,Maker Two,company,CA\n")
    (folder / "products.csv").write_text("id,manufacturer_id,model,designated\nd2,m2,D-2,yes\ns2,m2,S-2,\n")
    import_folder(ew.uow(), ACTOR, folder)
    with ew.reader() as uow:
        assert uow.products.get("d2").designated and not uow.products.get("s2").designated


def test_items_read_for_some_permits_or_all_agree(ew):
    _world(ew)
    _done(ew, "inventory", (("permit", "P-INV"),), date(2024, 5, 20))
    day = date(2024, 10, 15)
    with ew.reader() as uow:
        every = uow.checks.item_facts(None, day)
        some = uow.checks.item_facts(["P-INV", "P-UA"], day)
    assert set(every) == {"P-INV", "P-PSV"}  # P-UA has nothing delivered
    assert some == {"P-INV": every["P-INV"]}
    inv = every["P-INV"]
    assert (inv.items, inv.first_delivered, inv.last_delivered) == (5, date(2024, 3, 1), date(2024, 9, 1))
    assert (inv.unchecked_items, inv.first_unchecked) == (2, date(2024, 9, 1))  # delivered after the inventory
    psv = every["P-PSV"]
    assert (psv.unchecked_items, psv.first_unchecked) == (1, date(2024, 2, 1))  # never inventoried: all of them
