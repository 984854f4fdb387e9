"""Deadlines that chase themselves: everything endwatch waits an answer for has a due day (trace requests, case
inquiries, and whatever other source registers itself in `SOURCES`, such as checks); `chase` sends, through the
outbox, a reminder before the due day and an escalation after it, each once per thing and due day, however often
it runs (deadline_notices holds what was sent; the write lock makes two runs at once send nothing twice).

Who gets what:
- reminder: whoever owes the answer: the counterpart of an outgoing trace request, the party an inquiry was put
  to (through casefiles.inquiries.remind_in, which also records the inquiry's reminded day), and the authority's
  own mailbox (ENDWATCH_ESCALATION_EMAIL) for an answer the authority owes (an incoming trace request);
- escalation: an overdue notice to whoever owes the answer, copied to the authority's own mailbox.
A notice with nobody to send it to is reported as skipped, not recorded, so it goes once an address exists.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, timedelta
from email.utils import make_msgid

from endwatch.domain.deadlines import standing
from endwatch.domain.trace_requests import Direction, Status, TraceRequest
from endwatch.services.authz import Action, Principal, require
from endwatch.services.casefiles.cases import stamp
from endwatch.services.casefiles.inquiries import remind_in
from endwatch.services.casefiles.store import Inquiry
from endwatch.services.enforcement.store import OutboxMessage
from endwatch.services.gate import Write, write
from endwatch.services.monitoring.store import Check
from endwatch.services.uow import Database, UnitOfWork

REMINDER = "reminder"
ESCALATION = "escalation"
BATCH = 200  # notices sent in one write: a backlog is chased in short writes, never holding the lock for long


@dataclass(frozen=True)
class Due:
    """Something an answer is awaited for, by a due day. `party_id` and/or `address` say who owes the answer;
    `owed_by_us` marks an answer the authority itself owes (then its own mailbox is reminded)."""

    subject: str  # trace_request | inquiry | check | ...
    key: str
    title: str  # how messages and lists name it: "trace request TR-2026-0001"
    due_on: date
    opened_on: date
    question: str
    party_id: str | None = None
    address: str | None = None
    owed_by_us: bool = False
    case_id: str | None = None
    counterpart: str = ""


# Where things with due days come from. A source lists them in the caller's unit of work (`every`), and finds one
# again by its key (`current`: None once it is answered or done), so that a chase planned on a snapshot checks each
# thing again under the write lock before chasing it. Another area adds its own with `register`.
@dataclass(frozen=True)
class Source:
    every: Callable[[UnitOfWork], list[Due]]
    current: Callable[[UnitOfWork, str], Due | None]


SOURCES: dict[str, Source] = {}


def register(subject: str, every: Callable[[UnitOfWork], list[Due]],
             current: Callable[[UnitOfWork, str], Due | None]) -> None:
    """Make `chase` and `due_items` consider what `every` returns, under the subject name `subject`; `current`
    finds one of them again by key (None when it no longer awaits anything)."""
    SOURCES[subject] = Source(every, current)


def _request_due(r: TraceRequest) -> Due:
    return Due("trace_request", r.reference, f"trace request {r.reference}", r.due_on, r.opened_on, r.question,
               party_id=r.party_id, address=r.contact, owed_by_us=r.direction is Direction.INCOMING,
               case_id=r.case_id, counterpart=r.counterpart)


def _trace_requests(uow: UnitOfWork) -> list[Due]:
    return [_request_due(r) for r in uow.trace_requests.find(status=Status.OPEN)]


def _trace_request(uow: UnitOfWork, key: str) -> Due | None:
    r = uow.trace_requests.get(key)
    return _request_due(r) if r is not None and r.status is Status.OPEN else None


def _inquiry_due(uow: UnitOfWork, q: Inquiry) -> Due | None:
    if q.answered_on is not None or q.due_on is None or q.id is None:
        return None
    registered = uow.parties.get(q.to_party) is not None
    return Due("inquiry", str(q.id), f"inquiry {q.id} about case {q.case_id}", q.due_on, q.asked_on, q.question,
               party_id=q.to_party if registered else None, case_id=q.case_id, counterpart=q.to_party)


def _inquiries(uow: UnitOfWork) -> list[Due]:
    return [d for q in uow.cases.inquiries_with_due_date() if (d := _inquiry_due(uow, q)) is not None]


def _inquiry(uow: UnitOfWork, key: str) -> Due | None:
    q = uow.cases.inquiry(int(key)) if key.isdigit() else None
    return _inquiry_due(uow, q) if q is not None else None


def _check_due(c: Check) -> Due | None:
    """A check not yet recorded as done is due on its planned day; the authority's own inspectors owe it."""
    if c.done_on is not None or c.id is None:
        return None
    covers = ", ".join(f"{kind} {key}" for kind, key in c.subjects)
    where = f" at {c.place}" if c.place else ""
    return Due("check", str(c.id), f"check {c.id} ({c.kind.replace('_', ' ')})", c.planned_on, c.planned_on,
               f"The {c.kind.replace('_', ' ')} check {c.id}{where} by {c.inspector}, covering {covers}, is not"
               " recorded as done.", owed_by_us=True, counterpart=c.inspector)


def _checks(uow: UnitOfWork) -> list[Due]:
    return [d for c in uow.checks.list_checks() if (d := _check_due(c)) is not None]


def _check(uow: UnitOfWork, key: str) -> Due | None:
    c = uow.checks.get_check(int(key)) if key.isdigit() else None
    return _check_due(c) if c is not None else None


register("trace_request", _trace_requests, _trace_request)
register("inquiry", _inquiries, _inquiry)
register("check", _checks, _check)


@dataclass(frozen=True)
class Rules:
    """When to remind and escalate (ENDWATCH_REMIND_DAYS_BEFORE, ENDWATCH_ESCALATE_DAYS_AFTER) and the authority's
    own mailbox (ENDWATCH_ESCALATION_EMAIL)."""

    remind_days_before: int = 7
    escalate_days_after: int = 1
    escalation_email: str | None = None


@dataclass(frozen=True)
class Notice:
    """A reminder or escalation sent (or, in a dry run, that would be sent)."""

    subject: str
    key: str
    notice: str
    due_on: date
    to: tuple[str, ...]


@dataclass
class ChaseReport:
    """What one run sent, and what it could not send (with why)."""

    on: date
    sent: list[Notice] = field(default_factory=list)
    skipped: list[tuple[Notice, str]] = field(default_factory=list)


def due_items(uow: UnitOfWork) -> list[Due]:
    """Everything awaited with a due day, from every source, soonest due first."""
    with uow:
        items = [d for source in SOURCES.values() for d in source.every(uow)]
    return sorted(items, key=lambda d: (d.due_on, d.subject, d.key))


def notice_due(item: Due, on: date, rules: Rules) -> str | None:
    """Which notice `item` is owed on `on`, if any: an escalation from `escalate_days_after` days past its due day,
    else a reminder from `remind_days_before` days before it through the due day itself."""
    if on >= item.due_on + timedelta(days=rules.escalate_days_after):
        return ESCALATION
    if item.due_on - timedelta(days=rules.remind_days_before) <= on <= item.due_on:
        return REMINDER
    return None


def _plan(uow: UnitOfWork, on: date, rules: Rules) -> list[tuple[Due, Notice]]:
    """Every notice owed on `on` and not yet sent, with its recipients (none: it cannot be sent yet)."""
    planned = []
    every = sorted((d for s in SOURCES.values() for d in s.every(uow)), key=lambda d: (d.due_on, d.subject, d.key))
    for item in every:
        notice = _owed(uow, item, on, rules)
        if notice is not None:
            planned.append((item, notice))
    return planned


def _owed(uow: UnitOfWork, item: Due, on: date, rules: Rules) -> Notice | None:
    """The notice `item` is owed on `on` and was not sent (an escalation sent makes the reminder moot)."""
    notice = notice_due(item, on, rules)
    if notice is None or uow.trace_requests.notice_sent(item.subject, item.key, notice, item.due_on):
        return None
    if notice == REMINDER and uow.trace_requests.notice_sent(item.subject, item.key, ESCALATION, item.due_on):
        return None
    return Notice(item.subject, item.key, notice, item.due_on, tuple(_recipients(uow, item, notice, rules)))


def chase(db: Database, principal: Principal, on: date, rules: Rules, *, dry_run: bool = False,
          batch: int = BATCH) -> ChaseReport:
    """Send every reminder and escalation owed on `on` that was not sent before (action deadlines.chase: a
    scheduled job's service account, or staff); with `dry_run`, say what would be sent and write nothing. A notice
    with nobody to send it to is skipped (and reported) until there is someone.

    What is owed is found on a read snapshot, then sent in writes of at most `batch` notices each, so that a
    backlog never holds the write lock for long; each thing is looked at again under the lock (answered meanwhile,
    or chased by another run: nothing is sent), so running the chase twice, or twice at once, sends each notice once.
    """
    require(principal, Action.DEADLINES_CHASE)
    report = ChaseReport(on)
    with db.reader() as snapshot:
        planned = _plan(snapshot, on, rules)
    if dry_run:
        for item, notice in planned:
            if notice.to:
                report.sent.append(notice)
            else:
                report.skipped.append((notice, _why_not(item, rules)))
        return report
    for start in range(0, len(planned), batch):
        with write(db.uow(), principal, Action.DEADLINES_CHASE) as w:
            for seen, _ in planned[start:start + batch]:
                now = SOURCES[seen.subject].current(w.uow, seen.key)
                owed = _owed(w.uow, now, on, rules) if now is not None else None
                if now is None or owed is None:
                    continue  # answered, done or chased meanwhile
                item, notice = now, owed
                if not notice.to:
                    report.skipped.append((notice, _why_not(item, rules)))
                    continue
                message_id = _send(w, item, notice.notice, on, rules)
                w.uow.trace_requests.add_notice(item.subject, item.key, notice.notice, item.due_on, on, message_id)
                w.record(action=f"deadline.{notice.notice}", entity=item.subject, key=item.key,
                         after={"due_on": item.due_on, "sent_on": on, "to": list(notice.to)})
                report.sent.append(notice)
    return report


def _why_not(item: Due, rules: Rules) -> str:
    return ("nobody to send it to: no contact address for " f"{item.counterpart or 'the counterpart'}"
            + ("" if rules.escalation_email else " and no ENDWATCH_ESCALATION_EMAIL"))


def _party_address(uow: UnitOfWork, item: Due) -> str | None:
    if item.address:
        return item.address
    if item.party_id:  # a registered party: its contact now, or the outbox waits for one (notify.send_due)
        return uow.enforcement.contact(item.party_id) or f"(contact of party {item.party_id})"
    return None


def _recipients(uow: UnitOfWork, item: Due, notice: str, rules: Rules) -> list[str]:
    """Who the notice goes to: whoever owes the answer (the authority's mailbox when it is the authority),
    and for an escalation the authority's mailbox as well."""
    found: list[str] = []
    if item.owed_by_us:
        if rules.escalation_email:
            found.append(rules.escalation_email)
        return found
    theirs = _party_address(uow, item)
    if theirs:
        found.append(theirs)
    if notice == ESCALATION and rules.escalation_email:
        found.append(rules.escalation_email)
    return found


def _send(w: Write, item: Due, notice: str, on: date, rules: Rules) -> str:
    """Queue the notice's messages; the first one's message id (what deadline_notices records)."""
    uow = w.uow
    late = standing(item.due_on, on, UTC).days  # days only: the zone plays no part
    if notice == REMINDER and item.subject == "inquiry" and item.party_id and not item.owed_by_us:
        # Case inquiries have their own reminder (it records the inquiry's reminded day): use it.
        inquiry = uow.cases.inquiry(int(item.key))
        if inquiry is not None:
            if inquiry.reminded_on != on:  # reminded by hand today: that reminder counts, none is sent twice
                remind_in(w, inquiry.case_id, int(item.key), on)
            return f"inquiry.{item.key}.reminder.{on.isoformat()}"
    if item.owed_by_us:
        what = f"our answer to {item.title}" if item.subject == "trace_request" else item.title
        subject = (f"Reminder: {what} is due on {item.due_on.isoformat()}" if notice == REMINDER
                   else f"Overdue: {what} was due on {item.due_on.isoformat()}")
        asked = (f"{item.counterpart or 'A partner'} asked on {item.opened_on.isoformat()}:\n\n"
                 if item.subject == "trace_request" else "")
        body = (f"{asked}{item.question}\n\nIt is due on {item.due_on.isoformat()}"
                + (f" and is {late} day(s) late.\n" if notice == ESCALATION else ".\n"))
        return _queue(w, item, None, rules.escalation_email or "", f"{item.subject}.{item.key}.{notice}", subject,
                      body)
    if notice == REMINDER:
        subject = f"Reminder: {item.title} is due on {item.due_on.isoformat()}"
        body = (f"This is a reminder of a question asked on {item.opened_on.isoformat()}, due on"
                f" {item.due_on.isoformat()} and still unanswered:\n\n{item.question}\n\nPlease answer quoting"
                f" {item.title}.\n")
    else:
        subject = f"Overdue: {item.title} was due on {item.due_on.isoformat()}"
        body = (f"A question asked on {item.opened_on.isoformat()} was due on {item.due_on.isoformat()} and is"
                f" {late} day(s) overdue:\n\n{item.question}\n\nPlease answer quoting {item.title}. An answer"
                " that is late, or never given, may count in later assessments.\n")
    first = _queue(w, item, item.party_id if not item.address else None, item.address or "",
                   f"{item.subject}.{item.key}.{notice}", subject, body)
    if notice == ESCALATION and rules.escalation_email:
        _queue(w, item, None, rules.escalation_email, f"{item.subject}.{item.key}.{notice}.copy",
               f"Escalated: {item.title} ({item.counterpart}) is {late} day(s) overdue", body)
    return first


def _queue(w: Write, item: Due, party_id: str | None, address: str, idstring: str, subject: str, body: str) -> str:
    now = stamp(w.uow)
    message = OutboxMessage(
        id=None, message_id=make_msgid(idstring=idstring, domain="endwatch.local"), kind="deadline",
        party_id=party_id, to_address=address if not party_id else (w.uow.enforcement.contact(party_id) or ""),
        subject=subject, body=body, action_id=None, case_id=item.case_id, created_at=now, next_attempt_at=now)
    w.uow.enforcement.add_message(message)
    w.record(action="notification.queue", entity="outbox", key=message.message_id,
             after={"to": message.to_address, "party_id": party_id, "subject": subject, item.subject: item.key})
    return message.message_id
