"""Case files: case-scoped enforcement, evidence store, inquiries, timeline (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
from datetime import date

import pytest
from tests.integration.enforcement_world import SUSPENDED_ON, diverted
from tests.principals import person
from tests.two_signatures import apply_decision

from endwatch.cli import app
from endwatch.domain.deliveries import Retransfer
from endwatch.errors import InvalidInput, NotFound, RuleViolation
from endwatch.services.casefiles.cases import case_file, close_case, open_case
from endwatch.services.casefiles.evidence import attach, verify
from endwatch.services.casefiles.inquiries import answer, ask
from endwatch.services.casefiles.notes import add_note
from endwatch.services.casefiles.timeline import case_timeline
from endwatch.services.enforcement import decisions as enforcement
from endwatch.services.enforcement import notify
from endwatch.services.enforcement.scope import Action, Scope
from endwatch.services.registry.deliveries import authorise_retransfer


@pytest.fixture
def world(ew, tmp_path):
    case_id = diverted(ew, tmp_path)
    return ew, case_id


def test_case_scope_applies_the_recommended_actions(world):
    ew, case_id = world
    pv = enforcement.preview(ew.reader(), Scope(case=case_id), Action.suspend, SUSPENDED_ON, hold_applications=True)
    assert {i.permit.number for i in pv.permits} == {"PERMIT-REDACTED-1", "PERMIT-REDACTED-2"}
    assert {a.number for a in pv.applications} == {"APP-REDACTED-3", "APP-REDACTED-4"}
    assert pv.exporters == ("wescam",)
    apply_decision(ew.uow(), person("minister-office"), Scope(case=case_id), Action.suspend, SUSPENDED_ON,
                      "allegations", "Minister 2020-10-05", hold_applications=True)
    cf = case_file(ew.reader(), case_id)
    assert {a.status for a in cf.actions} == {"applied"}
    # Nothing is left to apply under the case.
    with pytest.raises(InvalidInput):
        apply_decision(ew.uow(), person("m"), Scope(case=case_id), Action.suspend, SUSPENDED_ON, "r", "ref")
    with pytest.raises(NotFound):
        enforcement.preview(ew.reader(), Scope(case="CASE-9999"), Action.suspend, SUSPENDED_ON)


def test_evidence_is_stored_once_by_content_and_verified(world, tmp_path):
    ew, case_id = world
    store = ew.settings.home / "evidence"
    photo = tmp_path / "nameplate.jpg"
    photo.write_bytes(b"\xff\xd8 nameplate L3 Wescam CMX-15D " * 100)
    copy = tmp_path / "nameplate-copy.jpg"
    copy.write_bytes(photo.read_bytes())
    first = attach(ew.uow(), person("analyst-one"), store, case_id, [photo], "close-up of the turret")
    assert first[0].stored and first[0].linked
    again = attach(ew.uow(), person("analyst-two"), store, case_id, [copy])
    assert not again[0].stored and not again[0].linked and again[0].sha256 == first[0].sha256
    other = open_case(ew.uow(), person("analyst-two"), "Overlay in strike videos", date(2020, 10, 26))
    linked = attach(ew.uow(), person("analyst-two"), store, other.id, [copy])
    assert linked[0].linked and not linked[0].stored
    assert [p.name for p in store.rglob("*") if p.is_file()] == [first[0].sha256]
    [link] = case_file(ew.reader(), case_id).evidence
    assert (link.filename, link.added_by, link.description) == ("nameplate.jpg", "analyst-one",
                                                                "close-up of the turret")
    assert [c.status for c in verify(ew.reader(), store)] == ["ok"]
    stored = store / first[0].sha256[:2] / first[0].sha256
    stored.write_bytes(b"tampered")
    [check] = verify(ew.reader(), store)
    assert check.status == "changed" and check.cases == (case_id, other.id)
    assert verify(ew.reader(), store, other.id)[0].status == "changed"
    stored.unlink()
    assert verify(ew.reader(), store)[0].status == "missing"
    with pytest.raises(InvalidInput):
        attach(ew.uow(), person("a"), store, case_id, [tmp_path / "nope.jpg"])


def test_inquiries_are_dated_and_answered_once(world):
    ew, case_id = world
    q = ask(ew.uow(), person("officer-one"), case_id, "wescam", "Is this your product? Which permit?",
            date(2020, 10, 20))
    with pytest.raises(InvalidInput):
        answer(ew.uow(), person("officer-one"), q.id, "too early", date(2020, 10, 19))
    a = answer(ew.uow(), person("officer-one"), q.id, "The images may be our product; delivered September 2020.",
               date(2020, 10, 25))
    assert a.answered_on == date(2020, 10, 25)
    with pytest.raises(RuleViolation):
        answer(ew.uow(), person("officer-one"), q.id, "again", date(2020, 10, 26))
    with pytest.raises(NotFound):
        answer(ew.uow(), person("officer-one"), 9999, "x", date(2020, 10, 26))


def test_timeline_merges_everything_in_date_order(world, tmp_path):
    ew, case_id = world
    store = ew.settings.home / "evidence"
    photo = tmp_path / "p.jpg"
    photo.write_bytes(b"photo")
    attach(ew.uow(), person("analyst-one"), store, case_id, [photo])
    q = ask(ew.uow(), person("officer-one"), case_id, "wescam", "Which permit?", date(2020, 10, 20))
    answer(ew.uow(), person("officer-one"), q.id, "Delivered under the May permit.", date(2020, 10, 25))
    apply_decision(ew.uow(), person("officer-one"), Scope(case=case_id), Action.suspend, SUSPENDED_ON,
                   "allegations", "Minister 2020-10-05", hold_applications=True, confirmer=person("minister-office"))
    add_note(ew.uow(), person("officer-one"), case_id, "Committee asked for the pack.", date(2020, 11, 2))
    authorise_retransfer(ew.uow(), person("officer-one"), Retransfer("PERMIT-REDACTED-2", "tr-armed-forces",
                                                             date(2020, 8, 1), "consent C-1"))
    events = case_timeline(ew.reader(), case_id)
    consent = ("re-transfer under permit PERMIT-REDACTED-2 authorised to Turkish Armed Forces for every item"
               " (reference: consent C-1)")
    assert any(e.on == date(2020, 8, 1) and e.text == consent for e in events)
    assert [e.sort_key() for e in events] == sorted(e.sort_key() for e in events)
    kinds = {e.kind for e in events}
    assert kinds >= {"policy", "application", "permit", "delivery", "sighting", "finding", "case", "evidence",
                     "inquiry", "decision", "notification", "note"}
    texts = [e.text for e in events]
    def first(fragment):
        return next(i for i, t in enumerate(texts) if fragment in t)
    assert first("permit PERMIT-REDACTED-1 issued") < first("REDACTED-SN-1 delivered") < first("sighting S-")
    assert first("sighting S-") < first("permit PERMIT-REDACTED-1 suspended") < first("answer to inquiry")
    assert any("APP-REDACTED-3 on hold" in t for t in texts)
    suspended = [e for e in events if e.text.startswith("permit PERMIT-REDACTED-1 suspended")]
    assert [e.actor for e in suspended] == ["minister-office"]  # who decided, from the audit trail
    assert any(e.kind == "delivery" and e.on == date(2020, 9, 15) and e.serial == "REDACTED-SN-1" for e in events)
    with pytest.raises(NotFound):
        case_timeline(ew.reader(), "CASE-9999")


def test_close_is_final_and_dated(world):
    ew, case_id = world
    close_case(ew.uow(), person("officer-one"), case_id, date(2021, 4, 12), "permits cancelled")
    with pytest.raises(RuleViolation):
        close_case(ew.uow(), person("officer-one"), case_id, date(2021, 4, 13))
    events = case_timeline(ew.reader(), case_id)
    assert [e.text for e in events if e.kind == "case"][-1] == f"case {case_id} closed"
    assert [e.on for e in events if e.text == f"case {case_id} closed"] == [date(2021, 4, 12)]


def test_case_commands(world, cli, tmp_path):
    ew, case_id = world
    opened = cli.invoke(app, ["case", "open", "--title", "Overlay in strike videos", "--consignee", "baykar",
                              "--on", "2020-10-26", "--format", "json"])
    assert opened.exit_code == 0, opened.output
    new_id = json.loads(opened.output)[0]["id"]
    assert new_id != case_id
    bad = cli.invoke(app, ["case", "open", "--title", "x", "--consignee", "nobody"])
    assert bad.exit_code == 1 and "consignee" in bad.output
    listed = json.loads(cli.invoke(app, ["case", "list", "--format", "json"]).output)
    assert {c["id"] for c in listed} == {case_id, new_id}
    assert cli.invoke(app, ["case", "note", case_id, "--text", "first look", "--on", "2020-10-26"]).exit_code == 0
    f = tmp_path / "still.png"
    f.write_bytes(b"video still")
    attached = cli.invoke(app, ["case", "attach", case_id, str(f), "--description", "overlay", "--format", "json"])
    assert attached.exit_code == 0, attached.output
    assert json.loads(attached.output)[0]["stored"] == "new"
    asked = cli.invoke(app, ["case", "inquiry", case_id, "--to", "wescam", "--question", "Which permit?",
                             "--on", "2020-10-20", "--format", "json"])
    assert asked.exit_code == 0, asked.output
    inquiry_id = json.loads(asked.output)[0]["inquiry"]
    answered = cli.invoke(app, ["case", "answer", str(inquiry_id), "--text", "The May permit.", "--on", "2020-10-25"])
    assert answered.exit_code == 0, answered.output
    shown = json.loads(cli.invoke(app, ["case", "show", case_id, "--format", "json"]).output)
    assert shown["evidence"][0]["filename"] == "still.png" and shown["inquiries"][0]["answer"] == "The May permit."
    assert any(e["kind"] == "note" for e in shown["timeline"])
    assert {(f["verdict"], f["permit"]) for f in shown["findings"]} == {("diversion", "PERMIT-REDACTED-1")}
    table = cli.invoke(app, ["case", "show", case_id])
    assert table.exit_code == 0 and "timeline" in table.output
    ok = cli.invoke(app, ["case", "verify"])
    assert ok.exit_code == 0 and "0 changed or missing" in ok.output
    for p in (ew.settings.home / "evidence").rglob("*"):
        if p.is_file():
            p.unlink()
    missing = cli.invoke(app, ["case", "verify", case_id, "--format", "json"])
    assert missing.exit_code == 1 and json.loads(missing.output)[0]["status"] == "missing"
    closed = cli.invoke(app, ["case", "close", new_id, "--on", "2020-12-01"])
    assert closed.exit_code == 0, closed.output
    assert cli.invoke(app, ["case", "show", "CASE-9999"]).exit_code == 1


def test_applying_a_case_records_each_recommendation_in_the_audit_trail(world):
    ew, case_id = world
    apply_decision(ew.uow(), person("minister-office"),
                             Scope(case=case_id), Action.suspend, SUSPENDED_ON, "r", "ref",
                      hold_applications=True)
    with ew.reader() as uow:
        applied = [e for e in uow.audit.for_entity("case", case_id) if e.action == "case.action_applied"]
        assert len(applied) == len(uow.cases.case_actions(case_id))


def test_a_narrowed_case_decision_marks_only_what_it_carried_out(world):
    ew, case_id = world
    narrowed = Scope(case=case_id, products=("mx-15d",))
    pv = enforcement.preview(ew.reader(), narrowed, Action.suspend, SUSPENDED_ON, hold_applications=True)
    assert [i.permit.number for i in pv.permits] == ["PERMIT-REDACTED-1"]
    assert [a.number for a in pv.applications] == ["APP-REDACTED-3"]
    apply_decision(ew.uow(), person("m"), narrowed, Action.suspend, SUSPENDED_ON, "r", "ref", hold_applications=True)
    status = {(a.kind, a.target): a.status for a in case_file(ew.reader(), case_id).actions}
    assert status[("suspend_permit", "PERMIT-REDACTED-1")] == "applied"
    assert status[("suspend_permit", "PERMIT-REDACTED-2")] == "recommended"
    assert status[("hold_application", "APP-REDACTED-3")] == "applied"
    assert status[("hold_application", "APP-REDACTED-4")] == "recommended"
    rest = apply_decision(ew.uow(), person("m"), Scope(case=case_id), Action.suspend, SUSPENDED_ON, "r", "ref",
                             hold_applications=True)
    assert [i.permit.number for i in rest.preview.permits] == ["PERMIT-REDACTED-2"]


def test_an_inquiry_can_be_sent_through_the_outbox(world):
    ew, case_id = world
    with pytest.raises(InvalidInput):
        ask(ew.uow(), person("officer-one"), case_id, "someone not in the registry", "?", date(2020, 10, 20),
            send=True)
    q = ask(ew.uow(), person("officer-one"), case_id, "wescam", "Is this your product?", date(2020, 10, 20),
            send=True)
    [m] = notify.list_messages(ew.reader(), case_id=case_id)
    assert (m.kind, m.party_id, m.status) == ("inquiry", "wescam", "pending")
    assert "Is this your product?" in m.body and f"inquiry {q.id}" in m.body
    assert any(e.kind == "notification" for e in case_timeline(ew.reader(), case_id))
