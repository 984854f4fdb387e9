"""Registry writes on applications: receiving one, and moving a pending one to another status.

Approving and denying are decisions (services.assessment.decisions); a permit names only an approved
application (`check_application_approved`).
"""

from __future__ import annotations

import base64
import secrets
from dataclasses import replace
from datetime import date

from endwatch.domain.permits import Application, ApplicationStatus, Permit
from endwatch.domain.products import Product
from endwatch.errors import InvalidInput, NotFound, Problem, RuleViolation
from endwatch.exchange.schema import SPECS
from endwatch.services.authz import Action, Principal, check_may_act_for
from endwatch.services.gate import Write, write
from endwatch.services.text_rules import checked
from endwatch.services.uow import UnitOfWork
from endwatch.services.validation import Checker


def check_parties_and_goods(uow: UnitOfWork, c: Checker, rec: Application | Permit) -> Product | None:
    """Note in `c` every unknown party or product, bad destination or quantity an application or permit names;
    returns its product (None when unknown)."""
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


def receive_application(uow: UnitOfWork, principal: Principal, application: Application, reason: str = "",
                        *, numbered: bool = False) -> Application:
    """Register a new application, with status `received` from its received date. An exporter may submit
    only for its own company.

    With `numbered`, the application's number is left to endwatch: an opaque `APP-` and eight random base32
    characters, allocated inside the transaction (so that simultaneous submissions never collide), that tells
    no one how many applications anyone filed. Numbers given earlier (APP-YYYYMMDD-N, imported ones) stay.
    """
    application = checked(application, SPECS["applications.csv"], nested=("undertaking",))
    check_may_act_for(principal, application.exporter_id)
    with write(uow, principal, Action.APPLICATIONS_SUBMIT) as w:
        if numbered:
            application = replace(application, number=new_application_number(uow))
        if uow.applications.get(application.number) is not None:
            raise InvalidInput([Problem(f"application {application.number!r} already exists", column="number")])
        c = Checker()
        c.require("number", application.number)
        check_parties_and_goods(uow, c, application)
        c.raise_if_any()
        uow.applications.save(application)
        uow.applications.add_status_change(
            application.number, application.status, application.received_on, "received", ""
        )
        w.record(action="application.receive", entity="application", key=application.number, after=application,
                 reason=reason)
    return application


def new_application_number(uow: UnitOfWork) -> str:
    """A free opaque application number, `APP-` and eight base32 characters (40 random bits), found inside
    the caller's transaction, which holds the write lock: no other writer can take the same number meanwhile.
    Unlike a counter or a date it reveals nothing about other applicants' activity."""
    while True:
        number = "APP-" + base64.b32encode(secrets.token_bytes(5)).decode("ascii")
        if uow.applications.get(number) is None:
            return number


def change_application_status(
    w: Write,
    number: str,
    status: ApplicationStatus,
    effective_on: date,
    reason: str,
    reference: str = "",
) -> Application:
    """Move an application to a new status inside the caller's open write, so that a decision and the
    status change it causes are one transaction. Only pending applications move."""
    uow = w.uow
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
    w.record(action=f"application.{status.value}", entity="application", key=number, before=before, after=after,
             reason=reason)
    return after


def set_application_status(
    uow: UnitOfWork,
    principal: Principal,
    number: str,
    status: ApplicationStatus,
    effective_on: date,
    reason: str,
    reference: str = "",
) -> Application:
    """Put a pending application on hold, back to received, or withdraw it, from a date.

    Approving and denying are decisions, taken with an assessment and four eyes where required
    (`services.assessment.decisions.decide`); this function refuses them (rule `decision-required`).
    """
    if status in (ApplicationStatus.APPROVED, ApplicationStatus.DENIED):
        raise RuleViolation(
            "decision-required",
            f"application {number} can be {status.value} only by a decision (endwatch decide), which assesses"
            " it and asks for a second approver where the rules demand one",
            [f"application {number}"],
        )
    with write(uow, principal, Action.APPLICATIONS_STATUS) as w:
        return change_application_status(w, number, status, effective_on, reason, reference)


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
