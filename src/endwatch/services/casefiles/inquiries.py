"""Inquiries on a case: a question put to a party (sent by e-mail through the outbox when asked), with an
optional due date, reminders of it while unanswered, and its dated answer, recorded once."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from email.utils import make_msgid

from endwatch.errors import InvalidInput, NotFound, Problem, RuleViolation
from endwatch.services.authz import Action, Principal, company_scope
from endwatch.services.casefiles.cases import require_case, stamp
from endwatch.services.casefiles.store import Inquiry
from endwatch.services.enforcement.store import OutboxMessage
from endwatch.services.gate import Write, write
from endwatch.services.uow import UnitOfWork


def ask(uow: UnitOfWork, principal: Principal, case_id: str, to: str, question: str, asked_on: date, *,
        send: bool = False, due_on: date | None = None) -> Inquiry:
    """Record a question put to a party (a party id, or free text for one not in the registry).

    With `send`, the question also goes to the party by e-mail through the outbox, in the same transaction
    (the party must then be a known party).
    """
    problems = [Problem(f"{name} is required", column=name) for name, v in (("to", to), ("question", question))
                if not v.strip()]
    if due_on is not None and due_on < asked_on:
        problems.append(Problem(f"the due date {due_on} is before the question is asked ({asked_on})",
                                column="due_on"))
    if problems:
        raise InvalidInput(problems)
    with write(uow, principal, Action.CASES_WRITE) as w:
        # An inquiry may predate the case file: cases are often opened to record work already under way.
        require_case(uow, case_id)
        party = uow.parties.get(to.strip())
        if send and party is None:
            raise InvalidInput([Problem(f"{to!r} is not a known party id, so the question cannot be sent",
                                        column="to")])
        inquiry = Inquiry(None, case_id, to.strip(), question.strip(), asked_on, principal.username, due_on=due_on)
        inquiry_id = uow.cases.add_inquiry(inquiry)
        w.record(action="case.inquiry", entity="case", key=case_id,
                 after={"id": inquiry_id, "to": inquiry.to_party, "question": inquiry.question, "asked_on": asked_on,
                        "due_on": due_on})
        if send and party is not None:
            due = f" by {due_on.isoformat()}" if due_on else ""
            _queue(w, uow, party.id, f"inquiry.{inquiry_id}", f"Inquiry {inquiry_id} about case {case_id}",
                   f"{question.strip()}\n\nPlease answer{due} quoting inquiry {inquiry_id} (case {case_id}), "
                   f"asked on {asked_on.isoformat()}.\n", case_id, inquiry_id)
    return Inquiry(inquiry_id, case_id, inquiry.to_party, inquiry.question, asked_on, principal.username,
                   due_on=due_on)


def _queue(w: Write, uow: UnitOfWork, party_id: str, idstring: str, subject: str, body: str, case_id: str,
           inquiry_id: int) -> None:
    """Queue an e-mail to the party through the outbox, in the caller's transaction, audited."""
    now = stamp(uow)
    message = OutboxMessage(
        id=None, message_id=make_msgid(idstring=idstring, domain="endwatch.local"), kind="inquiry",
        party_id=party_id, to_address=uow.enforcement.contact(party_id) or "", subject=subject, body=body,
        action_id=None, case_id=case_id, created_at=now, next_attempt_at=now)
    uow.enforcement.add_message(message)
    w.record(action="notification.queue", entity="outbox", key=message.message_id,
             after={"party_id": party_id, "subject": subject, "inquiry": inquiry_id})


def remind(uow: UnitOfWork, principal: Principal, case_id: str, inquiry_id: int, on: date) -> Inquiry:
    """Remind the party of an unanswered inquiry by e-mail (through the outbox); the day is recorded.

    Only an inquiry to a registered party can be reminded (the e-mail goes to its contact), and only once a day.
    """
    with write(uow, principal, Action.CASES_WRITE) as w:
        return remind_in(w, case_id, inquiry_id, on)


def remind_in(w: Write, case_id: str, inquiry_id: int, on: date) -> Inquiry:
    """`remind` inside a write already under way (the deadline chaser's, services/monitoring/deadlines.py)."""
    uow = w.uow
    inquiry = uow.cases.inquiry(inquiry_id)
    if inquiry is None or inquiry.case_id != case_id:
        raise NotFound("inquiry", str(inquiry_id))
    if inquiry.answered_on is not None:
        raise RuleViolation("inquiry-answered", f"inquiry {inquiry_id} was answered on {inquiry.answered_on}",
                            [f"inquiry {inquiry_id}", f"case {case_id}"])
    if uow.parties.get(inquiry.to_party) is None:
        raise InvalidInput([Problem(f"{inquiry.to_party!r} is not a registered party, so no reminder can be"
                                    " sent", column="to")])
    if on < inquiry.asked_on:
        raise InvalidInput([Problem(f"{on} is before the question was asked ({inquiry.asked_on})", column="on")])
    if inquiry.reminded_on == on:
        raise RuleViolation("inquiry-reminded", f"inquiry {inquiry_id} was already reminded on {on}",
                            [f"inquiry {inquiry_id}", f"case {case_id}"])
    uow.cases.remind_inquiry(inquiry_id, on)
    w.record(action="case.inquiry_reminder", entity="case", key=case_id,
             after={"inquiry": inquiry_id, "reminded_on": on})
    due = f", due on {inquiry.due_on.isoformat()}" if inquiry.due_on else ""
    _queue(w, uow, inquiry.to_party, f"inquiry.{inquiry_id}.reminder.{on.isoformat()}",
           f"Reminder: inquiry {inquiry_id} about case {case_id}",
           f"This is a reminder of a question asked on {inquiry.asked_on.isoformat()}{due}, still unanswered:\n\n"
           f"{inquiry.question}\n\nPlease answer quoting inquiry {inquiry_id} (case {case_id}).\n",
           case_id, inquiry_id)
    return replace(inquiry, reminded_on=on)


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
    return replace(inquiry, answer=text.strip(), answered_on=answered_on, answered_by=principal.username)
