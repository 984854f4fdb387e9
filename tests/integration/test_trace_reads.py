"""The reads behind a trace (dossiers, names, models) give exactly what the general repository methods
give, in a few statements, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date

import sqlalchemy as sa
from tests.factories import ACTOR, issued_world, permit
from tests.two_signatures import set_permit_status

from endwatch.bootstrap import Endwatch
from endwatch.domain.deliveries import Retransfer
from endwatch.domain.names import normalise_name
from endwatch.domain.parties import Party, PartyKind
from endwatch.domain.permits import PermitStatus, StatusChange
from endwatch.domain.products import Product
from endwatch.services.registry.deliveries import authorise_retransfer, record_delivery
from endwatch.services.registry.parties import save_party
from endwatch.services.registry.permits import issue_permit
from endwatch.services.registry.products import save_product
from endwatch.services.registry.store import ItemDossier
from endwatch.services.registry.trace import trace_serial, trace_serials
from endwatch.services.uow import UnitOfWork


def _expected(uow: UnitOfWork, norm: str) -> list[ItemDossier]:
    """Dossiers put together from the general methods, one record at a time."""
    found = []
    for rec in uow.deliveries.find_by_serial_norm(norm):
        permit_, product = uow.permits.get(rec.item.permit_number), uow.products.get(rec.product_id)
        assert permit_ is not None and product is not None
        ids = {product.manufacturer_id, permit_.exporter_id, permit_.consignee_id, permit_.end_user_id,
               rec.item.recipient_id}
        found.append(ItemDossier(rec, permit_, product, uow.parties.get_many(ids),
                                 tuple(uow.deliveries.retransfers_for(permit_.number))))
    return found


def _check_every_read(ew: Endwatch) -> int:
    with ew.reader() as uow:
        norms = {r.serial_norm for r in uow.deliveries.iter_all()}
        for norm in [*sorted(norms), "NOSUCHSERIAL"]:
            got = uow.deliveries.dossiers_by_serial_norm(norm)
            assert got == _expected(uow, norm), norm
            assert [d.record for d in got] == uow.deliveries.find_by_serial_norm(norm)
        parties, products = uow.parties.list(), uow.products.list()
        name_keys = {k for p in parties for k in p.name_keys()} | {"", "nobodyatall"}
        for key in name_keys:
            assert uow.parties.ids_by_name_key(key) == {p.id for p in uow.parties.find_by_name_key(key)}, key
        model_keys = {k for p in products for k in p.name_keys()} | {"", "nomodelatall"}
        for key in model_keys:
            assert uow.products.makers_by_model_key(key) == {
                p.id: p.manufacturer_id for p in uow.products.find_by_model_key(key, None)}, key
        for maker_key in sorted(name_keys)[:20]:
            for key in model_keys:  # both narrowing reads of a trace in one statement, the same answers
                assert uow.deliveries.makers_and_models(maker_key, key) == (
                    uow.parties.ids_by_name_key(maker_key), uow.products.makers_by_model_key(key)), (maker_key, key)
    return len(norms)


def test_reads_match_the_general_methods_on_the_reference_case(case: Endwatch) -> None:
    assert _check_every_read(case) >= 1


def _two_makers_one_serial(ew: Endwatch) -> None:
    """P-1 (maker m, product s) and P-2 (maker m2, product s2): both deliver serial AB-123; P-1 has a
    suspension and a reinstatement, a retransfer of the whole permit and one of a single serial."""
    issued_world(ew)
    save_party(ew.uow(), ACTOR, Party("m2", "Second Maker", PartyKind.COMPANY, "US",
                                      aliases=("SM", "Zeta Works"), former_names=("Alpha Works",)))
    save_party(ew.uow(), ACTOR, Party("r", "Receiving Unit", PartyKind.ARMED_FORCE, "TR", parent_id="f"))
    save_product(ew.uow(), ACTOR, Product("s2", "m2", "T-9", ("TX9", "Tee Nine"), ("ML5",), "other"))
    issue_permit(ew.uow(), ACTOR, permit("P-2", exporter_id="m2", product_id="s2", consignee_id="c",
                                         end_user_id="n"))
    record_delivery(ew.uow(), ACTOR, "P-1", date(2020, 9, 15), ["AB-123", "AB-124"])
    record_delivery(ew.uow(), ACTOR, "P-2", date(2020, 11, 2), ["ab 123"], recipient_id="r")
    set_permit_status(ew.uow(), ACTOR, "P-1",
                         StatusChange(PermitStatus.SUSPENDED, date(2020, 10, 5), "allegations", "ref-1"))
    set_permit_status(ew.uow(), ACTOR, "P-1",
                         StatusChange(PermitStatus.REINSTATED, date(2021, 1, 5), "cleared", "ref-2"))
    authorise_retransfer(ew.uow(), ACTOR, Retransfer("P-1", "f", date(2021, 1, 10), "consent-7", "ab123"))
    authorise_retransfer(ew.uow(), ACTOR, Retransfer("P-1", "r", date(2020, 12, 1), "consent-6", None))


def test_reads_match_the_general_methods_with_shared_serials_history_and_retransfers(ew: Endwatch) -> None:
    _two_makers_one_serial(ew)
    assert _check_every_read(ew) == 2
    with ew.reader() as uow:
        both = uow.deliveries.dossiers_by_serial_norm("AB123")
    assert [d.permit.number for d in both] == ["P-1", "P-2"]  # storage order
    first, second = both
    assert [h.status for h in first.permit.history] == [PermitStatus.ISSUED, PermitStatus.SUSPENDED,
                                                       PermitStatus.REINSTATED]
    assert [r.reference for r in first.retransfers] == ["consent-6", "consent-7"]  # by date
    assert second.product.aliases == ("TX9", "Tee Nine") and second.product.categories == ("ML5",)
    assert second.parties["m2"].aliases == ("SM", "Zeta Works")
    assert second.parties["m2"].former_names == ("Alpha Works",)
    assert set(second.parties) == {"m2", "c", "n", "r"} and second.record.item.recipient_id == "r"
    assert first.record.item.recipient_id == "c" and set(first.parties) == {"m", "c", "n"}


def test_trace_narrows_by_maker_and_model_and_dates(ew: Endwatch) -> None:
    _two_makers_one_serial(ew)
    day = date(2021, 2, 1)
    everything = trace_serial(ew.reader(), "ab-123", as_of=day)
    assert [h.permit.number for h in everything.hits] == ["P-1", "P-2"]
    assert [h.recipient.id for h in everything.hits] == ["c", "r"]
    one = trace_serial(ew.reader(), "AB123", manufacturer="alpha works", as_of=day)
    assert [h.manufacturer.id for h in one.hits] == ["m2"]
    by_model = trace_serial(ew.reader(), "AB123", model="cs 15", as_of=day)
    assert [h.product.id for h in by_model.hits] == ["s"]
    assert [r.reference for r in by_model.hits[0].retransfers] == ["consent-6", "consent-7"]
    assert [h.status for h in by_model.hits[0].history][-1] == PermitStatus.REINSTATED
    mismatch = trace_serial(ew.reader(), "AB123", manufacturer="Second Maker", model="CS-15", as_of=day)
    assert mismatch.hits == () and mismatch.notes == ("model 'CS-15' names no known product of that manufacturer",)
    before_second = trace_serial(ew.reader(), "AB123", as_of=date(2020, 10, 10))
    assert [h.permit.number for h in before_second.hits] == ["P-1"]
    assert before_second.hits[0].permit_state.value == "suspended"
    assert before_second.notes == ("an item with this serial was delivered later, on 2020-11-02",)
    assert trace_serial(ew.reader(), "AB123", model="nothing", as_of=day).notes == (
        "model 'nothing' names no known product",)
    assert normalise_name("CS-15") in by_model.hits[0].product.name_keys()


@contextmanager
def _statements(ew: Endwatch) -> Iterator[list[str]]:
    seen: list[str] = []

    def count(conn: object, cursor: object, statement: str, *args: object) -> None:
        seen.append(statement)

    sa.event.listen(ew.engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        sa.event.remove(ew.engine, "before_cursor_execute", count)


def test_a_trace_costs_a_few_statements_whatever_the_items(ew: Endwatch) -> None:
    _two_makers_one_serial(ew)
    with _statements(ew) as seen:
        result = trace_serial(ew.reader(), "AB123", manufacturer="Maker Corp", model="CS-15", as_of=date(2021, 2, 1))
    assert len(result.hits) == 1
    assert len([s for s in seen if s.lstrip().upper().startswith("SELECT")]) == 5, seen  # was 12, then 6
    with _statements(ew) as seen:
        result = trace_serial(ew.reader(), "AB123", as_of=date(2021, 2, 1))
    assert len(result.hits) == 2
    assert len([s for s in seen if s.lstrip().upper().startswith("SELECT")]) == 4, seen  # was 8 for each item, plus 1


def test_many_serials_are_traced_in_four_statements_as_each_alone(ew: Endwatch) -> None:
    # The incoming trace request page traces every serial asked about in one read, not one read each.
    _two_makers_one_serial(ew)
    with ew.reader() as uow:
        norms = sorted({r.serial_norm for r in uow.deliveries.iter_all()})
        many = uow.deliveries.dossiers_by_serial_norms([*norms, "NOSUCHSERIAL"])
        assert many == {n: uow.deliveries.dossiers_by_serial_norm(n) for n in norms}
        assert uow.deliveries.dossiers_by_serial_norms([]) == {}
    asked = ["ab-123", "AB 124", "NOSUCHSERIAL", "--", *[f"ZZ-{i}" for i in range(300)], "AB123"]
    for day in (date(2020, 10, 10), date(2021, 2, 1)):
        with _statements(ew) as seen:
            batch = trace_serials(ew.reader(), asked, as_of=day)
        assert len([s for s in seen if s.lstrip().upper().startswith("SELECT")]) == 4, seen
        assert [serial for serial, _ in batch] == asked  # in the order asked, repeats included
        for serial, result in batch:
            if serial == "--":
                assert result is None  # no letter or digit: not a serial
            else:
                assert result == trace_serial(ew.reader(), serial, as_of=day), serial
    later = dict(trace_serials(ew.reader(), ["AB123"], as_of=date(2020, 10, 10)))["AB123"]
    assert later is not None and later.delivered_later and not later.missed  # P-2's item came later
    assert dict(trace_serials(ew.reader(), ["ZZ-1"], as_of=date(2021, 2, 1)))["ZZ-1"].missed  # type: ignore[union-attr]
