"""Every registry rule, through the services, on SQLite and PostgreSQL: a clear error, nothing written."""

from datetime import date

import pytest
import sqlalchemy as sa
from tests.factories import ACTOR, issued_world, permit, small_world
from tests.principals import person
from tests.two_signatures import set_permit_status

from endwatch.domain.deliveries import Retransfer
from endwatch.domain.parties import Party, PartyKind
from endwatch.domain.permits import PermitStatus, StatusChange
from endwatch.errors import InvalidInput, NotFound, RuleViolation
from endwatch.services.audit.verify import verify
from endwatch.services.registry import queries
from endwatch.services.registry.deliveries import authorise_retransfer, record_delivery
from endwatch.services.registry.parties import save_party
from endwatch.services.registry.permits import issue_permit
from endwatch.services.registry.trace import trace_serial


def counts(ew):
    with ew.engine.connect() as conn:
        return {t: conn.scalar(sa.text(f"select count(*) from {t}"))
                for t in ("parties", "permits", "permit_status_changes", "deliveries", "audit_log")}


def test_permit_under_presumption_records_its_basis(ew):
    issued = issued_world(ew)
    assert issued.policy_id == "tr-pod"
    assert issued.policy_measure == "presumption_of_denial"
    assert issued.exception == "NATO co-operation programs"
    stored = queries.permit_as_of(ew.reader(), "P-1", date(2020, 6, 1))
    assert stored.permit.justification == "NATO programme"
    assert stored.state.value == "in_force"


def test_permit_without_exception_under_presumption_is_refused_and_nothing_written(ew):
    small_world(ew)
    before = counts(ew)
    with pytest.raises(RuleViolation) as exc:
        issue_permit(ew.uow(), ACTOR, permit(exception=None, justification=None))
    assert exc.value.rule == "destination-policy"
    assert "permit P-1" in exc.value.records and "policy tr-pod" in exc.value.records
    assert counts(ew) == before


def test_delivery_rules_in_force_quantity_and_unique_serial(ew):
    issued_world(ew)
    record_delivery(ew.uow(), ACTOR, "P-1", date(2020, 9, 15), ["sn-001"])
    before = counts(ew)
    with pytest.raises(RuleViolation) as exc:  # same serial, other spelling
        record_delivery(ew.uow(), ACTOR, "P-1", date(2020, 9, 16), ["SN 001"])
    assert exc.value.rule == "serial-unique"
    with pytest.raises(RuleViolation) as exc:
        record_delivery(ew.uow(), ACTOR, "P-1", date(2020, 9, 16), ["SN-002", "SN-003"])
    assert exc.value.rule == "permit-quantity"
    with pytest.raises(RuleViolation) as exc:
        record_delivery(ew.uow(), ACTOR, "P-1", date(2021, 7, 1), ["SN-002"])
    assert exc.value.rule == "permit-in-force" and "expired" in exc.value.detail
    with pytest.raises(InvalidInput):
        record_delivery(ew.uow(), ACTOR, "P-1", date(2020, 9, 16), ["SN-9", "sn 9"])
    assert counts(ew) == before


def test_no_delivery_while_suspended_but_allowed_after_reinstatement(ew):
    issued_world(ew)
    set_permit_status(ew.uow(), ACTOR, "P-1",
                         StatusChange(PermitStatus.SUSPENDED, date(2020, 10, 5), "allegations", "ref-1"))
    before = counts(ew)
    with pytest.raises(RuleViolation, match="is suspended on 2020-10-10"):
        record_delivery(ew.uow(), ACTOR, "P-1", date(2020, 10, 10), ["SN-1"])
    assert counts(ew) == before
    # A delivery dated before the suspension is still lawful.
    record_delivery(ew.uow(), ACTOR, "P-1", date(2020, 10, 1), ["SN-1"])
    set_permit_status(ew.uow(), ACTOR, "P-1",
                         StatusChange(PermitStatus.REINSTATED, date(2020, 11, 1), "cleared", "ref-2"))
    record_delivery(ew.uow(), ACTOR, "P-1", date(2020, 11, 2), ["SN-2"])
    assert queries.permit_as_of(ew.reader(), "P-1", date(2020, 11, 2)).delivered == 2


def test_point_in_time_permit_state(ew):
    issued_world(ew)
    set_permit_status(ew.uow(), ACTOR, "P-1",
                         StatusChange(PermitStatus.SUSPENDED, date(2020, 10, 5), "allegations"))
    assert queries.permit_as_of(ew.reader(), "P-1", date(2020, 10, 1)).state.value == "in_force"
    view = queries.permit_as_of(ew.reader(), "P-1", date(2020, 10, 5))
    assert view.state.value == "suspended"
    assert [h.status.value for h in view.history] == ["issued", "suspended"]
    assert [h.status.value for h in queries.permit_as_of(ew.reader(), "P-1", date(2020, 6, 1)).history] == ["issued"]


def test_trace_resolves_former_names_and_aliases_and_respects_as_of(ew):
    issued_world(ew)
    record_delivery(ew.uow(), ACTOR, "P-1", date(2020, 9, 15), ["AB-123"])
    authorise_retransfer(ew.uow(), ACTOR, Retransfer("P-1", "f", date(2021, 1, 10), "consent-7", "ab123"))
    hit = trace_serial(ew.reader(), "ab 123", manufacturer="old maker", model="cs15", as_of=date(2021, 2, 1)).hits[0]
    assert hit.permit.number == "P-1" and hit.end_user.id == "n" and hit.manufacturer.id == "m"
    assert [r.reference for r in hit.retransfers] == ["consent-7"]
    early = trace_serial(ew.reader(), "AB123", as_of=date(2020, 12, 1)).hits[0]
    assert early.retransfers == ()
    assert trace_serial(ew.reader(), "AB123", as_of=date(2020, 9, 1)).hits == ()
    unknown = trace_serial(ew.reader(), "AB123", manufacturer="Someone Else", as_of=date(2021, 2, 1))
    assert unknown.hits == () and "names no known party" in unknown.notes[0]


def test_bad_party_input_names_every_problem(ew):
    small_world(ew)
    with pytest.raises(InvalidInput) as exc:
        save_party(ew.uow(), ACTOR, Party("x", " ", PartyKind.COMPANY, "XX", "nobody"))
    columns = {p.column for p in exc.value.problems}
    assert columns == {"name", "country", "parent_id"}
    with pytest.raises(InvalidInput, match="cycle"):
        save_party(ew.uow(), ACTOR, Party("f", "Armed Forces", PartyKind.ARMED_FORCE, "TR", "n"))


def test_unknown_records_are_not_found(ew):
    with pytest.raises(NotFound):
        record_delivery(ew.uow(), ACTOR, "NOPE", date(2020, 1, 1), ["A"])
    with pytest.raises(NotFound):
        queries.permit_as_of(ew.reader(), "NOPE", date(2020, 1, 1))


def test_every_write_is_audited_with_before_and_after(ew):
    issued_world(ew)
    set_permit_status(ew.uow(), person("officer-1"), "P-1",
                      StatusChange(PermitStatus.SUSPENDED, date(2020, 10, 5), "allegations"),
                      confirmer=person("approver-2"))
    from endwatch.services.audit.verify import history

    entries = history(ew.reader, "permit", "P-1")
    assert [e.action for e in entries] == ["permit.issue", "permit.suspended"]
    assert entries[1].actor == "approver-2" and entries[1].reason == "allegations"
    assert entries[1].before["history"][0]["status"] == "issued"
    assert entries[1].after["history"][1]["status"] == "suspended"
    assert verify(ew.reader).ok
