"""Registry writes on permits: issuing one under the destination-policy rule. Its later status events are
enforcement decisions, taken with two signatures (services/enforcement/proposals.py)."""

from __future__ import annotations

from dataclasses import replace

from endwatch.domain.permits import Permit, PermitStatus, StatusChange, check_new_status, check_permit_dates
from endwatch.domain.policy import check_issuance
from endwatch.errors import InvalidInput, Problem
from endwatch.exchange.schema import SPECS
from endwatch.services.authz import Action, Principal
from endwatch.services.gate import write
from endwatch.services.registry.applications import check_application_approved, check_parties_and_goods
from endwatch.services.text_rules import checked
from endwatch.services.uow import UnitOfWork
from endwatch.services.validation import Checker


def issue_permit(uow: UnitOfWork, principal: Principal, permit: Permit, reason: str = "") -> Permit:
    """Issue a new permit, applying the destination-policy rule on its issue date.

    The stored permit records the policy it was issued under and any exception relied on.
    """
    permit = checked(permit, SPECS["permits.csv"], nested=("undertaking",))
    with write(uow, principal, Action.PERMITS_ISSUE) as w:
        if uow.permits.get(permit.number) is not None:
            raise InvalidInput([Problem(f"permit {permit.number!r} already exists", column="number")])
        c = Checker()
        c.require("number", permit.number)
        product = check_parties_and_goods(uow, c, permit)
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
        w.record(action="permit.issue", entity="permit", key=issued.number, after=issued, reason=reason)
    return issued

