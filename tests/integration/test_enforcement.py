"""Scoped permit actions: preview, all-or-nothing apply, holds, outbox, audit (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import date

import pytest
from tests.integration.enforcement_world import BAYKAR_ROUTE, SUSPENDED_ON, before_suspension
from tests.principals import person
from tests.two_signatures import SECOND, apply_decision, set_permit_status

from endwatch.db.enforcement.repository import SqlEnforcementRepository
from endwatch.domain.permits import ApplicationStatus, PermitState, PermitStatus, StatusChange
from endwatch.errors import InvalidInput, RuleViolation
from endwatch.services.enforcement import decisions as enforcement
from endwatch.services.enforcement import proposals
from endwatch.services.enforcement.scope import Action, Scope
from endwatch.services.registry.deliveries import record_delivery

ROUTE = Scope(consignees=("baykar",), destinations=("TR",))
REASON = "The Minister suspends the relevant export permits to allow time to assess allegations."
REFERENCE = "Minister's statement of 5 October 2020"


@pytest.fixture
def world(ew, tmp_path):
    return before_suspension(ew, tmp_path)


def _snapshot(ew):
    """Everything apply may touch, to compare before and after a failed attempt."""
    with ew.reader() as uow:
        return (
            {p.number: p.history for p in uow.permits.list()},
            {a.number: a.status for a in uow.applications.list()},
            uow.enforcement.messages(),
            uow.enforcement.actions(),
            sum(1 for _ in uow.audit.entries()),
        )


def test_preview_lists_route_permits_with_what_they_block_and_writes_nothing(world):
    before = _snapshot(world)
    pv = enforcement.preview(world.uow(), ROUTE, Action.suspend, SUSPENDED_ON, hold_applications=True)
    assert {i.permit.number for i in pv.permits} == BAYKAR_ROUTE
    by_number = {i.permit.number: i for i in pv.permits}
    assert by_number["PERMIT-REDACTED-1"].delivered == 1
    assert by_number["PERMIT-REDACTED-1"].remaining == 6
    assert by_number["PERMIT-REDACTED-2"].remaining == 1
    assert all("every delivery from 2020-10-05 refused" in i.blocks for i in pv.permits)
    assert all(i.state is PermitState.IN_FORCE and i.problem is None for i in pv.permits)
    assert {a.number for a in pv.applications} == {"APP-REDACTED-3", "APP-REDACTED-4"}
    assert pv.exporters == ("wescam",)
    assert _snapshot(world) == before


@pytest.mark.parametrize("scope, expected", [
    (Scope(exporters=("wescam",)), BAYKAR_ROUTE | {"PERMIT-AM-1", "PERMIT-CA-1"}),
    (Scope(end_users=("tr-navy",)), BAYKAR_ROUTE),
    (Scope(destinations=("AM",)), {"PERMIT-AM-1"}),
    (Scope(products=("mx-15d-software",)), {"PERMIT-REDACTED-2"}),
    (Scope(categories=("2-15",), destinations=("TR",)), {"PERMIT-REDACTED-1"}),
    (Scope(categories=("ML2*",)), {"PERMIT-REDACTED-2"}),
    (Scope(exporters=("wescam",), consignees=("nobody",)), set()),
])
def test_scope_fields_combine(world, scope, expected):
    pv = enforcement.preview(world.uow(), scope, Action.suspend, SUSPENDED_ON)
    assert {i.permit.number for i in pv.permits} == expected


def test_apply_suspends_holds_notifies_and_audits_in_one_step(world):
    out = apply_decision(world.uow(), person("minister-office"),
                                      ROUTE, Action.suspend, SUSPENDED_ON, REASON, REFERENCE,
                            hold_applications=True)
    assert set(out.preview.exporters) == {"wescam"}
    with world.reader() as uow:
        permits = {p.number: p for p in uow.permits.list()}
        for number in BAYKAR_ROUTE:
            assert permits[number].state_on(date(2020, 10, 6)) is PermitState.SUSPENDED
            assert permits[number].history[-1] == StatusChange(PermitStatus.SUSPENDED, SUSPENDED_ON, REASON,
                                                                REFERENCE)
        for number in ("PERMIT-AM-1", "PERMIT-CA-1"):
            assert permits[number].state_on(date(2020, 10, 6)) is PermitState.IN_FORCE
        apps = {a.number: a.status for a in uow.applications.list()}
        assert apps["APP-REDACTED-3"] is ApplicationStatus.ON_HOLD
        assert apps["APP-REDACTED-4"] is ApplicationStatus.ON_HOLD
        messages = uow.enforcement.messages()
        assert [m.party_id for m in messages] == ["wescam"]
        assert "PERMIT-REDACTED-1" in messages[0].body and "APP-REDACTED-3" in messages[0].body
        assert messages[0].status == "pending"
        actions = uow.enforcement.actions()
        assert len(actions) == 1 and set(actions[0].permits) == BAYKAR_ROUTE
        proposed = [(e.action, e.entity) for e in uow.audit.entries() if e.actor == "minister-office"]
        audited = [(e.action, e.entity_key) for e in uow.audit.entries() if e.actor == SECOND.username]
    # The first signature proposes; the second applies the decision and is named on each change.
    assert proposed == [("enforcement.propose", "proposal")]
    assert ("enforcement.confirm", "1") in audited
    assert ("permit.suspended", "PERMIT-REDACTED-1") in audited
    assert ("permit.suspended", "PERMIT-REDACTED-2") in audited
    assert ("application.on_hold", "APP-REDACTED-3") in audited
    assert ("enforcement.suspend", str(out.action_id)) in audited
    assert ("notification.queue", messages[0].message_id) in audited
    # The registry rule now refuses any later delivery under the suspended permit.
    with pytest.raises(RuleViolation) as refused:
        record_delivery(world.uow(), person("exporter"), "PERMIT-REDACTED-1", date(2020, 10, 20), ["SN-LATE"])
    assert "PERMIT-REDACTED-1" in " ".join(refused.value.records) or "PERMIT-REDACTED-1" in refused.value.detail


def test_illegal_transition_midway_changes_nothing(world):
    # PERMIT-REDACTED-2 was suspended and reinstated after 5 October: suspending it "on 5 October"
    # would rewrite history, so the whole decision is refused, PERMIT-REDACTED-1 included.
    for status, day in ((PermitStatus.SUSPENDED, date(2020, 10, 10)), (PermitStatus.REINSTATED, date(2020, 10, 12))):
        set_permit_status(world.uow(), person("fixture"), "PERMIT-REDACTED-2", StatusChange(status, day, "test"))
    before = _snapshot(world)
    pv = enforcement.preview(world.uow(), ROUTE, Action.suspend, SUSPENDED_ON)
    assert [i.permit.number for i in pv.problems] == ["PERMIT-REDACTED-2"]
    with pytest.raises(RuleViolation) as exc:
        apply_decision(world.uow(), person("minister-office"),
                                    ROUTE, Action.suspend, SUSPENDED_ON, REASON, REFERENCE,
                          hold_applications=True)
    assert exc.value.rule == "status-transition"
    assert exc.value.records == ["permit PERMIT-REDACTED-2"]
    assert _snapshot(world) == before


def test_failing_outbox_write_rolls_everything_back(world, monkeypatch):
    def broken(self, message):
        raise RuntimeError("outbox unavailable")

    p = proposals.propose_decision(world.uow(), person("minister-office"), ROUTE, Action.suspend, SUSPENDED_ON,
                                   REASON, REFERENCE, hold_applications=True)
    before = _snapshot(world)
    monkeypatch.setattr(SqlEnforcementRepository, "add_message", broken)
    with pytest.raises(RuntimeError):
        proposals.confirm_proposal(world.uow(), SECOND, p.id)
    monkeypatch.undo()
    assert _snapshot(world) == before
    assert proposals.get_proposal(world.reader(), None, p.id).is_open


def test_apply_requires_reason_reference_and_a_scope(world):
    with pytest.raises(InvalidInput) as exc:
        apply_decision(world.uow(), person("x"), ROUTE, Action.suspend, SUSPENDED_ON, " ", "")
    assert {p.column for p in exc.value.problems} == {"reason", "reference"}
    with pytest.raises(InvalidInput):
        enforcement.preview(world.uow(), Scope(), Action.suspend, SUSPENDED_ON)
    with pytest.raises(InvalidInput):
        apply_decision(world.uow(), person("x"),
                                    Scope(consignees=("nobody",)), Action.suspend, SUSPENDED_ON, "r", "ref")


def test_reinstate_then_revoke(world):
    apply_decision(world.uow(), person("m"), ROUTE, Action.suspend, SUSPENDED_ON, REASON, REFERENCE)
    # Suspending again finds nothing to change: the permits are listed as skipped.
    again = enforcement.preview(world.uow(), ROUTE, Action.suspend, date(2020, 10, 6))
    assert not again.permits and {n for n, _ in again.skipped} == BAYKAR_ROUTE
    apply_decision(world.uow(), person("m"), Scope(products=("mx-15d-software",)), Action.reinstate,
                      date(2020, 11, 1), "review cleared the software", "ref-2")
    apply_decision(world.uow(), person("m"), ROUTE, Action.revoke, date(2021, 4, 12), "cancelled after review",
                      "ref-3")
    with world.reader() as uow:
        states = {p.number: p.state_on(date(2021, 5, 1)) for p in uow.permits.list()}
        assert len(uow.enforcement.messages()) == 3
    assert states["PERMIT-REDACTED-1"] is PermitState.REVOKED
    assert states["PERMIT-REDACTED-2"] is PermitState.REVOKED
    assert states["PERMIT-AM-1"] is PermitState.IN_FORCE


def test_reinstatement_holds_no_applications(world):
    apply_decision(world.uow(), person("m"), ROUTE, Action.suspend, SUSPENDED_ON, "r", "ref")
    pv = enforcement.preview(world.uow(), ROUTE, Action.reinstate, date(2020, 11, 1), hold_applications=True)
    assert pv.applications == () and len(pv.permits) == 2


def test_permits_issued_after_the_effective_date_are_left_alone(world):
    pv = enforcement.preview(world.uow(), Scope(exporters=("wescam",)), Action.suspend, date(2020, 5, 20))
    assert {i.permit.number for i in pv.permits} == BAYKAR_ROUTE
    assert dict(pv.skipped)["PERMIT-AM-1"] == "not yet issued on 2020-05-20 (issued 2020-06-01)"
