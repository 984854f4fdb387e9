"""Registry writes: parties, products, policies, applications, permits, deliveries, re-transfers.

Each public function is one transaction: it validates, applies the registry's rules, writes and
records the write in the audit trail, or raises and writes nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date

from endwatch.domain.deliveries import DeliveredItem, Retransfer, check_delivery
from endwatch.domain.parties import Party, would_cycle
from endwatch.domain.permits import (
    Application,
    ApplicationStatus,
    Permit,
    PermitStatus,
    StatusChange,
    check_new_status,
    check_permit_dates,
)
from endwatch.domain.policy import Policy, check_issuance
from endwatch.domain.products import Product
from endwatch.domain.serials import normalise_serial
from endwatch.errors import InvalidInput, NotFound, Problem, RuleViolation
from endwatch.services.audit.trail import record
from endwatch.services.uow import ItemRecord, UnitOfWork
from endwatch.services.validation import Checker


def _check_party(uow: UnitOfWork, party: Party) -> None:
    c = Checker()
    c.require("id", party.id)
    c.require("name", party.name)
    c.country("country", party.country, required=False)
    if party.parent_id:
        if uow.parties.get(party.parent_id) is None:
            c.fail("parent_id", f"unknown parent party {party.parent_id!r}")
        elif would_cycle(party.id, party.parent_id, uow.parties.parent_map()):
            c.fail("parent_id", f"making {party.parent_id!r} the parent of {party.id!r} would form a cycle")
    c.raise_if_any()


def save_party(uow: UnitOfWork, actor: str, party: Party, reason: str = "") -> Party:
    """Create or update a party. Unchanged parties are left alone (no audit entry)."""
    with uow:
        before = uow.parties.get(party.id)
        if before == party:
            return party
        _check_party(uow, party)
        uow.parties.save(party)
        record(uow, actor=actor, action="party.save", entity="party", key=party.id,
               before=before, after=party, reason=reason)
        uow.commit()
    return party


def save_product(uow: UnitOfWork, actor: str, product: Product, reason: str = "") -> Product:
    """Create or update a product. Its manufacturer must be a known party."""
    with uow:
        before = uow.products.get(product.id)
        if before == product:
            return product
        c = Checker()
        c.require("id", product.id)
        c.require("model", product.model)
        if uow.parties.get(product.manufacturer_id) is None:
            c.fail("manufacturer_id", f"unknown manufacturer {product.manufacturer_id!r}")
        c.raise_if_any()
        uow.products.save(product)
        record(uow, actor=actor, action="product.save", entity="product", key=product.id,
               before=before, after=product, reason=reason)
        uow.commit()
    return product


def save_policy(uow: UnitOfWork, actor: str, policy: Policy, reason: str = "") -> Policy:
    """Create or update a destination policy. It never changes permits already issued."""
    with uow:
        before = uow.policies.get(policy.id)
        if before == policy:
            return policy
        c = Checker()
        c.require("id", policy.id)
        c.country("country", policy.country)
        if policy.effective_to and policy.effective_to < policy.effective_from:
            c.fail("effective_to", "effective_to is before effective_from")
        if not policy.categories:
            c.fail("categories", "categories is required (* for all)")
        c.raise_if_any()
        uow.policies.save(policy)
        record(uow, actor=actor, action="policy.save", entity="policy", key=policy.id,
               before=before, after=policy, reason=reason)
        uow.commit()
    return policy


def _check_parties_and_goods(uow: UnitOfWork, c: Checker, rec: Application | Permit) -> Product | None:
    for column in ("exporter_id", "consignee_id", "end_user_id"):
        value = getattr(rec, column)
        c.require(column, value)
        if value and uow.parties.get(value) is None:
            c.fail(column, f"unknown party {value!r}")
    c.country("destination", rec.destination)
    product = uow.products.get(rec.product_id) if rec.product_id else None
    if product is None:
        c.fail("product_id", f"unknown product {rec.product_id!r}")
    c.positive("quantity", rec.quantity)
    return product


def receive_application(uow: UnitOfWork, actor: str, application: Application, reason: str = "") -> Application:
    """Register a new application, with status `received` from its received date."""
    with uow:
        if uow.applications.get(application.number) is not None:
            raise InvalidInput([Problem(f"application {application.number!r} already exists", column="number")])
        c = Checker()
        c.require("number", application.number)
        _check_parties_and_goods(uow, c, application)
        c.raise_if_any()
        uow.applications.save(application)
        uow.applications.add_status_change(
            application.number, application.status, application.received_on, "received", ""
        )
        record(uow, actor=actor, action="application.receive", entity="application", key=application.number,
               after=application, reason=reason)
        uow.commit()
    return application


def change_application_status(
    uow: UnitOfWork,
    actor: str,
    number: str,
    status: ApplicationStatus,
    effective_on: date,
    reason: str,
    reference: str = "",
) -> Application:
    """Move an application to a new status inside the caller's open unit of work (no commit), so that a
    decision and the status change it causes are one transaction. Only pending applications move."""
    before = uow.applications.get(number)
    if before is None:
        raise NotFound("application", number)
    if not reason.strip():
        raise InvalidInput([Problem("a reason is required", column="reason")])
    if not before.status.pending:
        raise RuleViolation(
            "application-final",
            f"application {number} is already {before.status.value}; its status can no longer change",
            [f"application {number}"],
        )
    uow.applications.add_status_change(number, status, effective_on, reason, reference)
    after = replace(before, status=status)
    record(uow, actor=actor, action=f"application.{status.value}", entity="application", key=number,
           before=before, after=after, reason=reason)
    return after


def set_application_status(
    uow: UnitOfWork,
    actor: str,
    number: str,
    status: ApplicationStatus,
    effective_on: date,
    reason: str,
    reference: str = "",
) -> Application:
    """Put a pending application on hold, back to received, or withdraw it, from a date.

    Approving and denying are decisions, taken with an assessment and four eyes where required
    (`services.decisions.decide`); this function refuses them (rule `decision-required`).
    """
    if status in (ApplicationStatus.APPROVED, ApplicationStatus.DENIED):
        raise RuleViolation(
            "decision-required",
            f"application {number} can be {status.value} only by a decision (endwatch decide), which assesses"
            " it and asks for a second approver where the rules demand one",
            [f"application {number}"],
        )
    with uow:
        after = change_application_status(uow, actor, number, status, effective_on, reason, reference)
        uow.commit()
    return after


def check_application_approved(application: Application | None, permit_number: str, number: str) -> None:
    """A permit that names an application may be issued only once that application is approved
    (which, where four eyes are required, happens only with the second signature)."""
    if application is None:
        return
    if application.status is not ApplicationStatus.APPROVED:
        raise RuleViolation(
            "application-approved",
            f"permit {permit_number} names application {number}, which is {application.status.value.replace('_', ' ')};"
            " a permit is issued only on an approved application",
            [f"permit {permit_number}", f"application {number}"],
        )


def issue_permit(uow: UnitOfWork, actor: str, permit: Permit, reason: str = "") -> Permit:
    """Issue a new permit, applying the destination-policy rule on its issue date.

    The stored permit records the policy it was issued under and any exception relied on.
    """
    with uow:
        if uow.permits.get(permit.number) is not None:
            raise InvalidInput([Problem(f"permit {permit.number!r} already exists", column="number")])
        c = Checker()
        c.require("number", permit.number)
        product = _check_parties_and_goods(uow, c, permit)
        if permit.application_number and uow.applications.get(permit.application_number) is None:
            c.fail("application_number", f"unknown application {permit.application_number!r}")
        c.raise_if_any()
        assert product is not None
        if permit.application_number:
            check_application_approved(uow.applications.get(permit.application_number), permit.number,
                                       permit.application_number)
        check_permit_dates(permit.number, permit.issued_on, permit.expires_on)
        basis = check_issuance(
            uow.policies.list(permit.destination),
            permit_number=permit.number,
            country=permit.destination,
            categories=product.categories,
            on=permit.issued_on,
            exception=permit.exception,
            justification=permit.justification,
        )
        issued = replace(
            permit,
            policy_id=basis.policy_id,
            policy_measure=basis.measure.value,
            exception=basis.exception,
            justification=basis.justification,
        )
        first = StatusChange(PermitStatus.ISSUED, permit.issued_on, reason or "issued")
        history = check_new_status(issued.with_history(()), first)
        issued = issued.with_history(history)
        uow.permits.save(issued)
        for change in history:
            uow.permits.add_status_change(issued.number, change)
        record(uow, actor=actor, action="permit.issue", entity="permit", key=issued.number,
               after=issued, reason=reason)
        uow.commit()
    return issued


def change_permit_status(uow: UnitOfWork, actor: str, number: str, change: StatusChange) -> Permit:
    """Append a status event (suspended, reinstated, revoked, cancelled) to a permit's history."""
    with uow:
        before = uow.permits.get(number)
        if before is None:
            raise NotFound("permit", number)
        if not change.reason.strip():
            raise InvalidInput([Problem("a reason is required", column="reason")])
        history = check_new_status(before, change)
        uow.permits.add_status_change(number, change)
        after = before.with_history(history)
        record(uow, actor=actor, action=f"permit.{change.status.value}", entity="permit", key=number,
               before={"history": before.history}, after={"history": after.history}, reason=change.reason)
        uow.commit()
    return after


def record_delivery(
    uow: UnitOfWork,
    actor: str,
    permit_number: str,
    delivered_on: date,
    serials: Sequence[str],
    recipient_id: str | None = None,
    reason: str = "",
) -> list[DeliveredItem]:
    """Record items delivered under a permit on a date; the recipient defaults to the consignee.

    Rules: the permit is in force that day; deliveries never exceed the permit's quantity; each serial is
    new for its product family (compared normalised) and appears once in the delivery.
    """
    with uow:
        permit = uow.permits.get(permit_number)
        if permit is None:
            raise NotFound("permit", permit_number)
        product = uow.products.get(permit.product_id)
        assert product is not None  # foreign key
        c = Checker()
        if not serials:
            c.fail("serial", "at least one serial number is required")
        recipient = recipient_id or permit.consignee_id
        if uow.parties.get(recipient) is None:
            c.fail("recipient_id", f"unknown party {recipient!r}")
        norms: dict[str, str] = {}
        for s in serials:
            n = normalise_serial(s)
            if not n:
                c.fail("serial", f"serial {s!r} is blank once spaces and hyphens are removed")
            elif n in norms:
                c.fail("serial", f"serial {s!r} is the same as {norms[n]!r} in this delivery")
            norms.setdefault(n, s)
        c.raise_if_any()
        delivered = uow.deliveries.count_for_permits([permit_number])[permit_number]
        check_delivery(permit, delivered_on, delivered, list(serials))
        keys = [(product.manufacturer_id, product.serial_family, n) for n in norms]
        clash = uow.deliveries.existing(keys)
        if clash:
            first = next(iter(clash.values()))
            raise RuleViolation(
                "serial-unique",
                f"serial {first.item.serial!r} of product family {product.serial_family!r} was already delivered"
                f" under permit {first.item.permit_number} on {first.item.delivered_on.isoformat()}",
                [f"permit {permit_number}", f"permit {first.item.permit_number}",
                 *(f"serial {r.item.serial}" for r in clash.values())],
            )
        items = [DeliveredItem(permit_number, delivered_on, s, recipient) for s in norms.values()]
        uow.deliveries.add_items(
            ItemRecord(i, product.id, product.manufacturer_id, product.serial_family, normalise_serial(i.serial))
            for i in items
        )
        record(uow, actor=actor, action="delivery.record", entity="permit", key=permit_number,
               after={"delivered_on": delivered_on, "recipient_id": recipient, "serials": list(norms.values())},
               reason=reason)
        uow.commit()
    return items


def authorise_retransfer(uow: UnitOfWork, actor: str, retransfer: Retransfer) -> Retransfer:
    """Record consent to re-transfer one item (or every item of a permit) to another party from a date."""
    with uow:
        c = Checker()
        permit = uow.permits.get(retransfer.permit_number)
        if permit is None:
            c.fail("permit_number", f"unknown permit {retransfer.permit_number!r}")
        if uow.parties.get(retransfer.to_party_id) is None:
            c.fail("to_party_id", f"unknown party {retransfer.to_party_id!r}")
        c.require("reference", retransfer.reference, "the authority's reference")
        if permit is not None and retransfer.serial:
            wanted = normalise_serial(retransfer.serial)
            if not any(r.serial_norm == wanted for r in uow.deliveries.for_permit(permit.number)):
                c.fail("serial", f"serial {retransfer.serial!r} was not delivered under permit {permit.number}")
        c.raise_if_any()
        uow.deliveries.add_retransfer(retransfer)
        record(uow, actor=actor, action="retransfer.authorise", entity="permit", key=retransfer.permit_number,
               after=retransfer, reason=retransfer.reference)
        uow.commit()
    return retransfer
