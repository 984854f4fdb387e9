"""REST API over trace requests (/api/v1/trace-requests), guarded by `requires` like the rest. Exporters see and
answer only outgoing requests addressed to their company; a partner's requests are for investigators, officers,
auditors and administrators (services/monitoring/requests.py decides, for every entry point alike)."""

from __future__ import annotations

import tempfile
from datetime import date
from pathlib import Path
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Form, Query, Request, Response, UploadFile
from pydantic import BaseModel, Field

from endwatch.domain.trace_requests import Direction, Status, TraceRequest
from endwatch.services.authz import Action
from endwatch.services.monitoring import requests as trace_requests
from endwatch.services.monitoring import requests_report
from endwatch.web.errors import error_schema
from endwatch.web.fields import AnswerText, Identifier, IsoDate, Name, Reason, SerialText, ShortText
from endwatch.web.security import Caller, endwatch_of, requires
from endwatch.web.uploads import evidence_file

router = APIRouter(prefix="/api/v1", responses=error_schema())
MAX_FILE = 20 * 1024 * 1024  # as on the pages


class AttachmentOut(BaseModel):
    filename: str
    sha256: str
    size: int
    description: str
    added_by: str
    added_at: str


class TraceRequestOut(BaseModel):
    """A trace request and where it stands as of a day (open, due, overdue, answered on time or late, closed)."""

    reference: str
    direction: str
    counterpart_kind: str
    counterpart: str
    party_id: str | None
    their_reference: str
    question: str
    serials: list[str]
    opened_on: date
    due_on: date
    status: str
    standing: str = Field(description="open, due, overdue, answered on time, answered late or closed, as of as_of")
    days: int = Field(description="days left while open; days late when overdue or answered late")
    answer: str | None
    answered_on: date | None
    answered_by: str | None
    closed_on: date | None
    close_reason: str | None
    finding: str | None
    case_id: str | None
    attachments: list[AttachmentOut]

    @classmethod
    def of(cls, r: TraceRequest, as_of: date) -> TraceRequestOut:
        state, days = r.standing(as_of)
        return cls(reference=r.reference, direction=r.direction.value, counterpart_kind=r.counterpart_kind.value,
                   counterpart=r.counterpart, party_id=r.party_id, their_reference=r.their_reference,
                   question=r.question, serials=list(r.serials), opened_on=r.opened_on, due_on=r.due_on,
                   status=r.status.value, standing=state, days=days, answer=r.answer, answered_on=r.answered_on,
                   answered_by=r.answered_by, closed_on=r.closed_on, close_reason=r.close_reason, finding=r.finding,
                   case_id=r.case_id, attachments=[AttachmentOut(**a.__dict__) for a in r.attachments])


class TraceRequestsOut(BaseModel):
    as_of: date
    total: int
    items: list[TraceRequestOut]


class TraceRequestIn(BaseModel):
    """A new trace request. Outgoing: to an exporter or manufacturer (`party_id`) or another state's authority
    (`counterpart`, `contact`); incoming: from an authority or a research organisation."""

    direction: Literal["outgoing", "incoming"]
    counterpart_kind: Literal["exporter", "manufacturer", "authority", "research"]
    question: AnswerText
    serials: list[SerialText] = Field(min_length=1, max_length=trace_requests.MAX_SERIALS)
    counterpart: Name = ""
    party_id: Identifier | None = None
    contact: ShortText | None = None
    their_reference: ShortText = ""
    window_days: int = Field(default=28, ge=0, le=3660)
    finding: Identifier | None = None
    case_id: Identifier | None = None
    on: IsoDate | None = Field(default=None, description="the day it is opened (default today)")
    send: bool = Field(default=False, description="e-mail an outgoing request to its counterpart (outbox)")


class TraceAnswerIn(BaseModel):
    text: AnswerText
    on: IsoDate | None = None
    send: bool = Field(default=False, description="e-mail the answer to an incoming request's contact (outbox)")


class TraceCloseIn(BaseModel):
    reason: Reason
    on: IsoDate | None = None


class TraceLinkIn(BaseModel):
    finding: Identifier | None = None
    case_id: Identifier | None = None


def _today(request: Request) -> date:
    return endwatch_of(request).today()


@router.get("/trace-requests", response_model=TraceRequestsOut,
            summary="Trace requests the caller may see, newest first (exporters: those addressed to them)")
def list_trace_requests(request: Request, caller: Annotated[Caller, Depends(requires(Action.TRACE_REQUESTS_READ))],
                        direction: Direction | None = None, status: Status | None = None,
                        party: Annotated[str | None, Query(max_length=100)] = None,
                        serial: Annotated[str | None, Query(max_length=200)] = None,
                        as_of: date | None = None) -> TraceRequestsOut:
    day = as_of or _today(request)
    found = trace_requests.list_requests(endwatch_of(request).reader(), caller.principal, direction=direction,
                                         status=status, party_id=party, serial=serial)
    return TraceRequestsOut(as_of=day, total=len(found), items=[TraceRequestOut.of(r, day) for r in found])


class ReportRowOut(BaseModel):
    direction: str
    counterpart_kind: str
    counterpart: str
    party_id: str | None
    requests: int
    answered_on_time: int
    answered_late: int
    never_answered: int
    open: int
    withdrawn: int
    days_late_total: int


class ReportOut(BaseModel):
    """Trace requests by counterpart and direction as of a day; `totals` per direction."""

    as_of: date
    opened_from: date | None
    opened_to: date | None
    rows: list[ReportRowOut]
    totals: list[ReportRowOut]


@router.get("/trace-requests/report", response_model=ReportOut,
            responses={200: {"content": {"text/csv": {}}, "description": "JSON, or CSV with format=csv"}},
            summary="Requests sent and received by counterpart: answered on time, late, never, open, withdrawn")
def trace_requests_report(request: Request,
                          caller: Annotated[Caller, Depends(requires(Action.TRACE_REQUESTS_READ))],
                          as_of: date | None = None, opened_from: date | None = None, opened_to: date | None = None,
                          direction: Direction | None = None, format: Literal["json", "csv"] = "json") -> object:
    found = requests_report.build(endwatch_of(request).reader(), caller.principal, as_of or _today(request),
                                  opened_from=opened_from, opened_to=opened_to, direction=direction)
    if format == "csv":
        return Response(requests_report.to_csv(found), media_type="text/csv; charset=utf-8", headers={
            "Content-Disposition": f'attachment; filename="trace-requests-{found.as_of.isoformat()}.csv"'})
    return ReportOut(as_of=found.as_of, opened_from=found.opened_from, opened_to=found.opened_to,
                     rows=[ReportRowOut(**r.as_dict()) for r in found.rows],  # type: ignore[arg-type]
                     totals=[ReportRowOut(**r.as_dict()) for r in found.totals.values()])  # type: ignore[arg-type]


@router.get("/trace-requests/{reference}", response_model=TraceRequestOut, summary="One trace request")
def get_trace_request(request: Request, reference: str,
                      caller: Annotated[Caller, Depends(requires(Action.TRACE_REQUESTS_READ))],
                      as_of: date | None = None) -> TraceRequestOut:
    found = trace_requests.get_request(endwatch_of(request).reader(), caller.principal, reference)
    return TraceRequestOut.of(found, as_of or _today(request))


@router.post("/trace-requests", response_model=TraceRequestOut, status_code=201,
             summary="Open a trace request (due window_days, 28 by default, after it is opened)")
def open_trace_request(request: Request, body: TraceRequestIn,
                       caller: Annotated[Caller, Depends(requires(Action.TRACE_REQUESTS_WRITE))]) -> TraceRequestOut:
    draft = trace_requests.Draft(direction=body.direction, counterpart_kind=body.counterpart_kind,
                                 question=body.question, serials=body.serials, counterpart=body.counterpart,
                                 party_id=body.party_id, contact=body.contact, their_reference=body.their_reference,
                                 window_days=body.window_days, finding=body.finding, case_id=body.case_id)
    day = body.on or _today(request)
    opened = trace_requests.open_request(endwatch_of(request).uow(), caller.principal, draft, day, send=body.send)
    return TraceRequestOut.of(opened, day)


@router.post("/trace-requests/{reference}/answer", response_model=TraceRequestOut,
             summary="Answer a trace request (once; an exporter only one addressed to its company)")
def answer_trace_request(request: Request, reference: str, body: TraceAnswerIn,
                         caller: Annotated[Caller, Depends(requires(Action.TRACE_REQUESTS_ANSWER))]
                         ) -> TraceRequestOut:
    day = body.on or _today(request)
    done = trace_requests.answer_request(endwatch_of(request).uow(), caller.principal, reference, body.text, day,
                                         send=body.send)
    return TraceRequestOut.of(done, day)


@router.post("/trace-requests/{reference}/close", response_model=TraceRequestOut,
             summary="Close an open trace request without an answer, with a reason")
def close_trace_request(request: Request, reference: str, body: TraceCloseIn,
                        caller: Annotated[Caller, Depends(requires(Action.TRACE_REQUESTS_WRITE))]) -> TraceRequestOut:
    day = body.on or _today(request)
    done = trace_requests.close_request(endwatch_of(request).uow(), caller.principal, reference, body.reason, day)
    return TraceRequestOut.of(done, day)


@router.post("/trace-requests/{reference}/link", response_model=TraceRequestOut,
             summary="Name the finding (by sighting id) and/or the case a trace request feeds")
def link_trace_request(request: Request, reference: str, body: TraceLinkIn,
                       caller: Annotated[Caller, Depends(requires(Action.TRACE_REQUESTS_WRITE))]) -> TraceRequestOut:
    done = trace_requests.feed(endwatch_of(request).uow(), caller.principal, reference, finding=body.finding,
                               case_id=body.case_id)
    return TraceRequestOut.of(done, _today(request))


@router.post("/trace-requests/{reference}/files", response_model=TraceRequestOut, status_code=201,
             summary="Attach an image or a PDF (type told by its content, at most 20 MB) to a trace request")
async def attach_to_trace_request(request: Request, reference: str,
                                  caller: Annotated[Caller, Depends(requires(Action.TRACE_REQUESTS_ANSWER))],
                                  file: UploadFile,
                                  description: Annotated[ShortText, Form()] = "") -> TraceRequestOut:
    """multipart/form-data: `file` and an optional `description`. An exporter may attach only to the requests
    addressed to its company (as it answers them); the file is kept in the evidence store under its SHA-256."""
    ew = endwatch_of(request)
    with tempfile.TemporaryDirectory() as tmp:
        path = await evidence_file(file, Path(tmp), MAX_FILE)
        done = trace_requests.attach(ew.uow(), caller.principal, ew.settings.home / "evidence", reference, [path],
                                     description.strip())
    return TraceRequestOut.of(done, _today(request))
