"""The registry's services on in-memory fakes: rules, audit, and all-or-nothing writes, without a database."""

from datetime import date

import pytest
from tests.principals import person
from tests.unit.fakes import FakeStore, FakeUnitOfWork

from endwatch.domain.audit import verify_chain
from endwatch.domain.parties import Party, PartyKind
from endwatch.domain.permits import EndUseUndertaking, Permit, PermitStatus, StatusChange
from endwatch.domain.policy import Measure, Policy
from endwatch.domain.products import Product
from endwatch.errors import InvalidInput, RuleViolation
from endwatch.services.registry.deliveries import record_delivery
from endwatch.services.registry.parties import save_party
from endwatch.services.registry.permits import issue_permit
from endwatch.services.registry.policies import save_policy
from endwatch.services.registry.products import save_product
from endwatch.services.registry.trace import trace_serial


@pytest.fixture
def store():
    s = FakeStore()
    for p in (Party("m", "Maker", PartyKind.COMPANY, "CA", former_names=("Old Maker",)),
              Party("c", "Consignee", PartyKind.COMPANY, "TR"), Party("n", "Navy", PartyKind.ARMED_FORCE, "TR")):
        save_party(FakeUnitOfWork(s), person("officer"), p)
    save_product(FakeUnitOfWork(s), person("officer"), Product("s", "m", "S-15", ("CS-15",), ("2-15",)))
    save_policy(FakeUnitOfWork(s), person("officer"), Policy("tr-susp", "TR", Measure.SUSPENSION, ("*",),
                                                      date(2019, 10, 11), date(2020, 4, 15)))
    return s


def permit(**kw):
    base = dict(number="P-1", exporter_id="m", consignee_id="c", end_user_id="n", destination="TR", product_id="s",
                quantity=2, issued_on=date(2020, 5, 8), expires_on=date(2021, 6, 30),
                undertaking=EndUseUndertaking("surveillance", True))
    base.update(kw)
    return Permit(**base)


def test_issue_deliver_suspend_trace(store):
    issue_permit(FakeUnitOfWork(store), person("officer"), permit())
    record_delivery(FakeUnitOfWork(store), person("exporter"), "P-1", date(2020, 9, 15), ["cs-1"])
    # A suspension takes two signatures (tested on real databases in tests/integration); here it is stored.
    with FakeUnitOfWork(store) as uow:
        uow.permits.add_status_change("P-1", StatusChange(PermitStatus.SUSPENDED, date(2020, 10, 5), "allegations"))
        uow.commit()
    hit = trace_serial(FakeUnitOfWork(store), "CS1", manufacturer="old maker", as_of=date(2020, 10, 6)).hits[0]
    assert hit.permit_state.value == "suspended" and hit.end_user.id == "n"
    assert verify_chain(store.audit, (store.audit[-1].seq, store.audit[-1].hash)).ok
    assert [e.action for e in store.audit][-2:] == ["permit.issue", "delivery.record"]


def test_refusals_leave_the_store_untouched(store):
    before = (len(store.permits), len(store.audit))
    with pytest.raises(RuleViolation, match="suspension of new permits"):
        issue_permit(FakeUnitOfWork(store), person("officer"), permit(issued_on=date(2020, 1, 10)))
    with pytest.raises(InvalidInput) as exc:
        issue_permit(FakeUnitOfWork(store), person("officer"), permit(exporter_id="ghost", destination="XX"))
    assert {p.column for p in exc.value.problems} == {"exporter_id", "destination"}
    assert (len(store.permits), len(store.audit)) == before


def test_unchanged_party_is_not_written_again(store):
    count = len(store.audit)
    save_party(FakeUnitOfWork(store), person("officer"), Party("c", "Consignee", PartyKind.COMPANY, "TR"))
    assert len(store.audit) == count
    save_party(FakeUnitOfWork(store), person("officer"), Party("c", "Consignee Ltd", PartyKind.COMPANY, "TR"))
    assert store.audit[-1].before["name"] == "Consignee" and store.audit[-1].after["name"] == "Consignee Ltd"
