"""Inquiries on a case: a question put to a party (sent by e-mail through the outbox when asked), and its
dated answer, recorded once."""

from __future__ import annotations

from datetime import date
from email.utils import make_msgid

from endwatch.errors import InvalidInput, NotFound, Problem, RuleViolation
from endwatch.services.authz import Action, Principal, company_scope
from endwatch.services.casefiles.cases import require_case, stamp
from endwatch.services.casefiles.store import Inquiry
from endwatch.services.enforcement.store import OutboxMessage
from endwatch.services.gate import write
from endwatch.services.uow import UnitOfWork


def ask(uow: UnitOfWork, principal: Principal, case_id: str, to: str, question: str, asked_on: date, *,
        send: bool = False) -> Inquiry:
    """Record a question put to a party (a party id, or free text for one not in the registry).

    With `send`, the question also goes to the party by e-mail through the outbox, in the same transaction
    (the party must then be a known party).
    """
    problems = [Problem(f"{name} is required", column=name) for name, v in (("to", to), ("question", question))
                if not v.strip()]
    if problems:
        raise InvalidInput(problems)
    with write(uow, principal, Action.CASES_WRITE) as w:
        # An inquiry may predate the case file: cases are often opened to record work already under way.
        require_case(uow, case_id)
        party = uow.parties.get(to.strip())
        if send and party is None:
            raise InvalidInput([Problem(f"{to!r} is not a known party id, so the question cannot be sent",
                                        column="to")])
        inquiry = Inquiry(None, case_id, to.strip(), question.strip(), asked_on, principal.username)
        inquiry_id = uow.cases.add_inquiry(inquiry)
        w.record(action="case.inquiry", entity="case", key=case_id,
                 after={"id": inquiry_id, "to": inquiry.to_party, "question": inquiry.question, "asked_on": asked_on})
        if send and party is not None:
            now = stamp(uow)
            message = OutboxMessage(
                id=None, message_id=make_msgid(idstring=f"inquiry.{inquiry_id}", domain="endwatch.local"),
                kind="inquiry", party_id=party.id, to_address=uow.enforcement.contact(party.id) or "",
                subject=f"Inquiry {inquiry_id} about case {case_id}",
                body=f"{question.strip()}\n\nPlease answer quoting inquiry {inquiry_id} (case {case_id}), "
                     f"asked on {asked_on.isoformat()}.\n",
                action_id=None, case_id=case_id, created_at=now, next_attempt_at=now)
            uow.enforcement.add_message(message)
            w.record(action="notification.queue", entity="outbox", key=message.message_id,
                     after={"party_id": party.id, "subject": message.subject, "inquiry": inquiry_id})
    return Inquiry(inquiry_id, case_id, inquiry.to_party, inquiry.question, asked_on, principal.username)


def answer(uow: UnitOfWork, principal: Principal, inquiry_id: int, text: str, answered_on: date) -> Inquiry:
    """Record the answer to an inquiry, dated; an inquiry is answered once."""
    if not text.strip():
        raise InvalidInput([Problem("the answer is empty", column="text")])
    with write(uow, principal, Action.INQUIRIES_ANSWER) as w:
        inquiry = uow.cases.inquiry(inquiry_id)
        scope = company_scope(principal)
        if inquiry is None or (scope is not None and inquiry.to_party != scope):
            raise NotFound("inquiry", str(inquiry_id))  # an exporter answers only what is addressed to it
        if inquiry.answered_on is not None:
            raise RuleViolation("inquiry-answered", f"inquiry {inquiry_id} was answered on {inquiry.answered_on}",
                                [f"inquiry {inquiry_id}", f"case {inquiry.case_id}"])
        if answered_on < inquiry.asked_on:
            raise InvalidInput([Problem(f"{answered_on} is before the question was asked ({inquiry.asked_on})",
                                        column="on")])
        uow.cases.answer_inquiry(inquiry_id, text.strip(), answered_on, principal.username)
        w.record(action="case.answer", entity="case", key=inquiry.case_id,
                 after={"inquiry": inquiry_id, "answer": text.strip(), "answered_on": answered_on})
    return Inquiry(inquiry.id, inquiry.case_id, inquiry.to_party, inquiry.question, inquiry.asked_on,
                   inquiry.asked_by, text.strip(), answered_on, principal.username)
