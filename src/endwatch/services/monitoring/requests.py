"""Trace requests: open one (outgoing to an exporter, a manufacturer or another state's authority; incoming from a
partner authority or a research organisation), record its answer once, close it unanswered with a reason, link
the finding or case it feeds, attach files. Every write goes through the gate; bad input is refused whole, naming
each problem, before anything is written.

`open_request_in(w, draft, on)` opens a request inside a write already under way (a partner exchange opens its
requests this way, in its own transaction); `open_request` is the same in a write of its own.
Who sees what: exporters only outgoing requests addressed to their own company; partners' (incoming) requests
only investigators, officers, auditors and administrators (services/authz.py, `TRACE_REQUESTS_READ`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from email.utils import make_msgid
from pathlib import Path
from typing import TypeVar

from endwatch.domain.deadlines import DEFAULT_REPLY_DAYS, MAX_WINDOW_DAYS
from endwatch.domain.trace_requests import (
    COUNTERPARTS,
    REGISTERED,
    Attachment,
    Counterpart,
    Direction,
    Status,
    TraceRequest,
    reference_for,
)
from endwatch.errors import InvalidInput, NotFound, Problem, RuleViolation
from endwatch.services.authz import Action, Principal, Role, company_scope, require
from endwatch.services.casefiles.cases import stamp
from endwatch.services.casefiles.evidence import _put, file_digest
from endwatch.services.enforcement.store import OutboxMessage
from endwatch.services.gate import Write, write
from endwatch.services.uow import UnitOfWork

E = TypeVar("E", Direction, Counterpart)
MAX_SERIALS = 1000  # one request about more serials than this is a bulk exchange, not a question
MAX_TEXT = 20_000


@dataclass(frozen=True)
class Draft:
    """What opening a request needs. `window_days` defaults to 28; `party_id` names an exporter or manufacturer
    in the registry (required for those counterparts); `contact` is an e-mail address for counterparts outside
    the registry; `finding` (a sighting id) and `case_id` name what the request feeds."""

    direction: Direction | str
    counterpart_kind: Counterpart | str
    question: str
    serials: Sequence[str]
    counterpart: str = ""
    party_id: str | None = None
    contact: str | None = None
    their_reference: str = ""
    window_days: int = DEFAULT_REPLY_DAYS
    finding: str | None = None
    case_id: str | None = None


def _enum(kind: type[E], value: str, column: str, problems: list[Problem]) -> E | None:
    try:
        return kind(value)
    except ValueError:
        problems.append(Problem(f"{value!r} is not one of {', '.join(k.value for k in kind)}", column=column))
        return None


def _validated(draft: Draft) -> tuple[Direction, Counterpart, list[str]]:
    """The draft's direction, counterpart kind and cleaned serials, or InvalidInput naming every problem."""
    problems: list[Problem] = []
    direction = _enum(Direction, draft.direction, "direction", problems)
    kind = _enum(Counterpart, draft.counterpart_kind, "counterpart_kind", problems)
    if direction is not None and kind is not None and kind not in COUNTERPARTS[direction]:
        allowed = ", ".join(k.value for k in COUNTERPARTS[direction])
        problems.append(Problem(f"an {direction.value} request involves {allowed}, not {kind.value}",
                                column="counterpart_kind"))
    if not draft.question.strip():
        problems.append(Problem("the question is required", column="question"))
    elif len(draft.question) > MAX_TEXT:
        problems.append(Problem(f"the question is longer than {MAX_TEXT} characters", column="question"))
    serials = [s.strip() for s in draft.serials if s.strip()]
    if not serials:
        problems.append(Problem("name at least one serial number", column="serials"))
    elif len(serials) > MAX_SERIALS:
        problems.append(Problem(f"{len(serials)} serials is more than {MAX_SERIALS} in one request", column="serials"))
    long = [s for s in serials if len(s) > 200]
    if long:
        problems.append(Problem(f"the serial {long[0][:40]!r}... is longer than 200 characters", column="serials"))
    if isinstance(draft.window_days, bool) or not isinstance(draft.window_days, int) \
            or not 0 <= draft.window_days <= MAX_WINDOW_DAYS:
        problems.append(Problem(f"the reply window {draft.window_days!r} is not a number of days from 0 to"
                                f" {MAX_WINDOW_DAYS}", column="window_days"))
    if kind in REGISTERED and not (draft.party_id or "").strip():
        problems.append(Problem(f"a request to an {kind.value if kind else ''} names its party id",
                                column="party_id"))
    if kind is not None and kind not in REGISTERED and not draft.counterpart.strip():
        problems.append(Problem(f"name the {kind.value} (who is asked or asks)", column="counterpart"))
    if draft.contact is not None and draft.contact.strip() and (
            "@" not in draft.contact or any(c.isspace() for c in draft.contact.strip())):
        problems.append(Problem(f"{draft.contact!r} is not an e-mail address", column="contact"))
    if len(draft.their_reference) > 200:
        problems.append(Problem("their reference is longer than 200 characters", column="their_reference"))
    if problems:
        raise InvalidInput(problems)
    assert direction is not None and kind is not None
    return direction, kind, serials


def open_request_in(w: Write, draft: Draft, on: date, *, send: bool = False) -> TraceRequest:
    """Open a trace request inside the write `w` (its principal must be allowed TRACE_REQUESTS_WRITE), due
    `draft.window_days` after `on`; with `send`, an outgoing request is also e-mailed to its counterpart
    through the outbox in the same transaction. InvalidInput (nothing written) on any bad field."""
    require(w.principal, Action.TRACE_REQUESTS_WRITE)
    direction, kind, serials = _validated(draft)
    uow = w.uow
    problems: list[Problem] = []
    counterpart = draft.counterpart.strip()
    party_id = (draft.party_id or "").strip() or None
    if party_id is not None:
        party = uow.parties.get(party_id)
        if party is None:
            problems.append(Problem(f"{party_id!r} is not a known party id", column="party_id"))
        else:
            counterpart = counterpart or party.name
    if draft.finding and not uow.detection.findings([draft.finding]):
        problems.append(Problem(f"there is no finding on sighting {draft.finding!r}", column="finding"))
    if draft.case_id and uow.cases.case(draft.case_id) is None:
        problems.append(Problem(f"there is no case {draft.case_id!r}", column="case_id"))
    contact = (draft.contact or "").strip() or None
    if send and direction is Direction.INCOMING:
        problems.append(Problem("an incoming request is not sent; its answer is", column="send"))
    elif send and contact is None and (party_id is None or not uow.enforcement.contact(party_id)):
        problems.append(Problem("there is no e-mail address to send the request to: give a contact, or set the"
                                " party's with `endwatch notify contact`", column="contact"))
    if problems:
        raise InvalidInput(problems)
    reference = reference_for(on.year, uow.trace_requests.next_number(on.year))
    request = TraceRequest(
        id=None, reference=reference, direction=direction, counterpart_kind=kind, counterpart=counterpart,
        question=draft.question.strip(), serials=tuple(serials), opened_on=on,
        due_on=date.fromordinal(on.toordinal() + draft.window_days), opened_by=w.principal.username,
        party_id=party_id, contact=contact, their_reference=draft.their_reference.strip(),
        finding=draft.finding or None, case_id=draft.case_id or None)
    request = replace(request, id=uow.trace_requests.add(request))
    w.record(action="trace_request.open", entity="trace_request", key=reference, after=_audit(request))
    if send:
        queue(w, request, f"trace-request.{reference}", f"Trace request {reference}",
              f"{request.question}\n\nSerial number(s): {', '.join(request.serials)}\n\nPlease answer by "
              f"{request.due_on.isoformat()} quoting {reference}.\n")
    return request


def open_request(uow: UnitOfWork, principal: Principal, draft: Draft, on: date, *, send: bool = False) -> TraceRequest:
    """Open a trace request in a write of its own (see `open_request_in`)."""
    with write(uow, principal, Action.TRACE_REQUESTS_WRITE) as w:
        return open_request_in(w, draft, on, send=send)


def queue(w: Write, request: TraceRequest, idstring: str, subject: str, body: str, *, to: str | None = None) -> str:
    """Queue an e-mail about `request` through the outbox (to `to`, else its contact, else its party's contact),
    in the caller's transaction, audited; the message id."""
    uow = w.uow
    now = stamp(uow)
    message = OutboxMessage(
        id=None, message_id=make_msgid(idstring=idstring, domain="endwatch.local"), kind="trace_request",
        party_id=request.party_id if to is None else None,
        to_address=to or request.contact or (uow.enforcement.contact(request.party_id) if request.party_id else "")
        or "", subject=subject, body=body, action_id=None, case_id=request.case_id, created_at=now,
        next_attempt_at=now)
    uow.enforcement.add_message(message)
    w.record(action="notification.queue", entity="outbox", key=message.message_id,
             after={"to": message.to_address, "party_id": message.party_id, "subject": subject,
                    "trace_request": request.reference})
    return message.message_id


def _audit(r: TraceRequest) -> dict[str, object]:
    return {"direction": r.direction.value, "counterpart_kind": r.counterpart_kind.value,
            "counterpart": r.counterpart, "party_id": r.party_id, "contact": r.contact,
            "their_reference": r.their_reference, "question": r.question, "serials": list(r.serials),
            "opened_on": r.opened_on, "due_on": r.due_on, "finding": r.finding, "case_id": r.case_id}


def _visible(principal: Principal | None, request: TraceRequest | None) -> bool:
    """Whether `principal` may see `request` (None: the local command line, which reads everything)."""
    if request is None:
        return False
    if principal is None:
        return True
    scope = company_scope(principal)
    if principal.role is Role.EXPORTER:
        return scope is not None and request.direction is Direction.OUTGOING and request.party_id == scope
    return principal.may(Action.TRACE_REQUESTS_READ)


def _require(uow: UnitOfWork, principal: Principal | None, reference: str) -> TraceRequest:
    """The request, or NotFound (also when the principal may not see it, so its existence is not disclosed)."""
    request = uow.trace_requests.get(reference.strip())
    if request is None or not _visible(principal, request):
        raise NotFound("trace request", reference)
    return request


def _open_or_refuse(request: TraceRequest) -> None:
    if request.status is not Status.OPEN:
        when = request.answered_on if request.status is Status.ANSWERED else request.closed_on
        raise RuleViolation("trace-request-open", f"trace request {request.reference} was {request.status.value}"
                            f" on {when}; it is answered or closed once", [f"trace request {request.reference}"])


def answer_request(uow: UnitOfWork, principal: Principal, reference: str, text: str, answered_on: date, *,
                   send: bool = False) -> TraceRequest:
    """Record the answer to a request, dated, once (rule `trace-request-open`). An exporter answers only an
    outgoing request addressed to its own company (in the portal); staff record an answer received, or the
    authority's answer to an incoming request (with `send`, e-mailed to the requester's contact)."""
    problems = []
    if not text.strip():
        problems.append(Problem("the answer is empty", column="answer"))
    elif len(text) > MAX_TEXT:
        problems.append(Problem(f"the answer is longer than {MAX_TEXT} characters", column="answer"))
    if problems:
        raise InvalidInput(problems)
    with write(uow, principal, Action.TRACE_REQUESTS_ANSWER) as w:
        request = _require(uow, principal, reference)
        _open_or_refuse(request)
        if answered_on < request.opened_on:
            raise InvalidInput([Problem(f"{answered_on} is before the request was opened ({request.opened_on})",
                                        column="answered_on")])
        if send and (request.direction is not Direction.INCOMING or not request.contact):
            raise InvalidInput([Problem("only the answer to an incoming request with a contact address is sent",
                                        column="send")])
        uow.trace_requests.answer(request.reference, text.strip(), answered_on, principal.username)
        late = (answered_on - request.due_on).days
        w.record(action="trace_request.answer", entity="trace_request", key=request.reference,
                 after={"answer": text.strip(), "answered_on": answered_on, "days_late": max(0, late)})
        answered = replace(request, status=Status.ANSWERED, answer=text.strip(), answered_on=answered_on,
                           answered_by=principal.username)
        if send:
            theirs = f" (your reference {request.their_reference})" if request.their_reference else ""
            queue(w, answered, f"trace-request.{request.reference}.answer", f"Answer to trace request"
                  f" {request.reference}{theirs}", f"{answered.answer}\n\nSerial number(s) asked about:"
                  f" {', '.join(request.serials)}\n")
    return answered


def close_request(uow: UnitOfWork, principal: Principal, reference: str, reason: str, on: date) -> TraceRequest:
    """Close an open request without an answer (withdrawn, or given up), with a reason; it stays in the report as
    never answered."""
    if not reason.strip():
        raise InvalidInput([Problem("say why the request is closed without an answer", column="reason")])
    with write(uow, principal, Action.TRACE_REQUESTS_WRITE) as w:
        request = _require(uow, principal, reference)
        _open_or_refuse(request)
        if on < request.opened_on:
            raise InvalidInput([Problem(f"{on} is before the request was opened ({request.opened_on})", column="on")])
        uow.trace_requests.close(request.reference, on, reason.strip())
        w.record(action="trace_request.close", entity="trace_request", key=request.reference,
                 after={"closed_on": on, "reason": reason.strip()})
    return replace(request, status=Status.CLOSED, closed_on=on, close_reason=reason.strip())


def feed(uow: UnitOfWork, principal: Principal, reference: str, *, finding: str | None = None,
         case_id: str | None = None) -> TraceRequest:
    """Name the finding (by its sighting id) and/or the case a request feeds; what is not given stays as it was."""
    if finding is None and case_id is None:
        raise InvalidInput([Problem("name a finding or a case", column="finding")])
    with write(uow, principal, Action.TRACE_REQUESTS_WRITE) as w:
        request = _require(uow, principal, reference)
        problems = []
        if finding and not uow.detection.findings([finding]):
            problems.append(Problem(f"there is no finding on sighting {finding!r}", column="finding"))
        if case_id and uow.cases.case(case_id) is None:
            problems.append(Problem(f"there is no case {case_id!r}", column="case_id"))
        if problems:
            raise InvalidInput(problems)
        new_finding = finding if finding is not None else request.finding
        new_case = case_id if case_id is not None else request.case_id
        uow.trace_requests.feed(request.reference, new_finding or None, new_case or None)
        w.record(action="trace_request.feed", entity="trace_request", key=request.reference,
                 before={"finding": request.finding, "case_id": request.case_id},
                 after={"finding": new_finding or None, "case_id": new_case or None})
    return replace(request, finding=new_finding or None, case_id=new_case or None)


def attach(uow: UnitOfWork, principal: Principal, store: Path, reference: str, files: Sequence[Path],
           description: str = "") -> TraceRequest:
    """Store files in the case evidence store (content-addressed) and attach them to a request, in one
    transaction; an exporter may attach files to its own requests while answering them."""
    missing = [Problem(f"{p} is not a readable file", column="file") for p in files if not p.is_file()]
    if missing or not files:
        raise InvalidInput(missing or [Problem("give at least one file", column="file")])
    digests = [(p, *file_digest(p)) for p in files]
    action = Action.TRACE_REQUESTS_ANSWER if principal.role is Role.EXPORTER else Action.TRACE_REQUESTS_WRITE
    with write(uow, principal, action) as w:
        request = _require(uow, principal, reference)
        assert request.id is not None
        now = stamp(uow)
        added = []
        for path, sha, size in digests:
            _put(store, path, sha)  # bytes first: a file without a row is harmless, a row without bytes is not
            if not uow.cases.file_known(sha):
                uow.cases.add_file(sha, size, now, principal.username)
            link = Attachment(sha, path.name, size, description.strip(), principal.username, now)
            if uow.trace_requests.attach(request.id, link):
                added.append(link)
                w.record(action="trace_request.attach", entity="trace_request", key=request.reference,
                         after={"sha256": sha, "filename": path.name, "size": size, "description": link.description})
    return replace(request, attachments=request.attachments + tuple(added))


def get_request(uow: UnitOfWork, principal: Principal | None, reference: str) -> TraceRequest:
    """One request, if `principal` may see it (None: the local command line); NotFound otherwise."""
    if principal is not None:
        require(principal, Action.TRACE_REQUESTS_READ)
    with uow:
        return _require(uow, principal, reference)


def list_requests(uow: UnitOfWork, principal: Principal | None, *, direction: Direction | None = None,
                  status: Status | None = None, party_id: str | None = None,
                  serial: str | None = None, case_id: str | None = None) -> list[TraceRequest]:
    """The requests `principal` may see (None: all) matching the filters, newest first. An exporter sees only
    outgoing requests addressed to its own company."""
    if principal is not None:
        require(principal, Action.TRACE_REQUESTS_READ)
        scope = company_scope(principal)
        if principal.role is Role.EXPORTER:
            if scope is None or (party_id is not None and party_id != scope) or direction is Direction.INCOMING:
                return []
            party_id, direction = scope, Direction.OUTGOING
    with uow:
        found = uow.trace_requests.find(direction=direction, status=status, party_id=party_id, serial=serial,
                                        case_id=case_id)
    return [r for r in found if _visible(principal, r)]
