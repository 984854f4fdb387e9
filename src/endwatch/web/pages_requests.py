"""Pages over trace requests: the list (an exporter's portal shows only the requests addressed to its company),
one request with its answer, files and what it feeds, and the forms that open, answer, close, link and attach
(files told by their content, as for case evidence). Every route states its action through `requires`; the
service decides what each caller may see, for pages and API alike."""

from __future__ import annotations

import mimetypes
import tempfile
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Query, Request, UploadFile
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response

from endwatch.bootstrap import Endwatch
from endwatch.domain.deadlines import DEFAULT_REPLY_DAYS
from endwatch.domain.trace_requests import COUNTERPARTS, Direction, Status, TraceRequest
from endwatch.errors import InvalidInput, NotFound, Problem
from endwatch.services.authz import Action
from endwatch.services.casefiles.evidence import stored_path
from endwatch.services.monitoring import requests as trace_requests
from endwatch.services.monitoring import requests_report
from endwatch.services.monitoring.requests import MAX_SERIALS
from endwatch.services.registry.queries import list_parties
from endwatch.services.registry.trace import TraceResult, trace_serials
from endwatch.web.fields import form_date
from endwatch.web.render import render
from endwatch.web.security import Caller, endwatch_of, requires
from endwatch.web.uploads import evidence_file

router = APIRouter(include_in_schema=False)
MAX_FILE = 20 * 1024 * 1024


def _back(reference: str, anchor: str = "") -> Response:
    return RedirectResponse(f"/trace-requests/{reference}" + (f"#{anchor}" if anchor else ""), status_code=303)


def _choice(value: str, kind: type[Direction] | type[Status], column: str) -> Direction | Status | None:
    if not value:
        return None
    try:
        return kind(value)
    except ValueError:
        raise InvalidInput([Problem(f"{value!r} is not one of {', '.join(k.value for k in kind)}",
                                    column=column)]) from None


@router.get("/trace-requests", response_class=HTMLResponse)
def trace_requests_page(request: Request, caller: Annotated[Caller, Depends(requires(Action.TRACE_REQUESTS_READ))],
                        direction: str = "", status: str = "") -> Response:
    """Trace requests the caller may see, newest first, with where each stands today."""
    ew = endwatch_of(request)
    d = _choice(direction, Direction, "direction")
    s = _choice(status, Status, "status")
    found = trace_requests.list_requests(ew.reader(), caller.principal, direction=d,  # type: ignore[arg-type]
                                         status=s)  # type: ignore[arg-type]
    return render(request, "trace_requests.html", {"requests": found, "today": ew.today(), "direction": direction,
                                                   "status": status})


@router.get("/trace-requests/new", response_class=HTMLResponse)
def new_trace_request(request: Request,
                      caller: Annotated[Caller, Depends(requires(Action.TRACE_REQUESTS_WRITE))]) -> Response:
    """The form that opens a trace request, out or in."""
    ew = endwatch_of(request)
    return render(request, "trace_request_new.html", {"parties": list_parties(ew.reader()), "today": ew.today(),
                                                      "window": DEFAULT_REPLY_DAYS, "counterparts": COUNTERPARTS})


@router.post("/trace-requests")
def open_trace_request(request: Request, caller: Annotated[Caller, Depends(requires(Action.TRACE_REQUESTS_WRITE))],
                       direction: Annotated[str, Form(max_length=20)],
                       counterpart_kind: Annotated[str, Form(max_length=20)],
                       serials: Annotated[str, Form(max_length=200_000)],
                       question: Annotated[str, Form(max_length=10_000)],
                       on: Annotated[str, Form()],
                       window_days: Annotated[str, Form(max_length=10)] = str(DEFAULT_REPLY_DAYS),
                       party_id: Annotated[str, Form(max_length=100)] = "",
                       counterpart: Annotated[str, Form(max_length=300)] = "",
                       contact: Annotated[str, Form(max_length=300)] = "",
                       their_reference: Annotated[str, Form(max_length=200)] = "",
                       send: Annotated[str, Form()] = "") -> Response:
    """Open the request (one serial a line) and go to its page."""
    try:
        window = int(window_days)
    except ValueError:
        raise InvalidInput([Problem(f"the reply window {window_days!r} is not a whole number of days",
                                    column="window_days")]) from None
    draft = trace_requests.Draft(direction=direction, counterpart_kind=counterpart_kind, question=question,
                                 serials=serials.splitlines(), counterpart=counterpart, party_id=party_id or None,
                                 contact=contact or None, their_reference=their_reference, window_days=window)
    opened = trace_requests.open_request(endwatch_of(request).uow(), caller.principal, draft, form_date(on, "on"),
                                         send=bool(send))
    return _back(opened.reference)


@router.get("/trace-requests/report", response_class=HTMLResponse)
def trace_requests_report_page(request: Request,
                               caller: Annotated[Caller, Depends(requires(Action.TRACE_REQUESTS_READ))],
                               as_of: str = "", opened_from: str = "", opened_to: str = "") -> Response:
    """Requests by counterpart: answered on time, late, never, open, withdrawn; a CSV download of the same."""
    ew = endwatch_of(request)
    day = form_date(as_of, "as_of") if as_of else ew.today()
    found = requests_report.build(ew.reader(), caller.principal, day,
                                  opened_from=form_date(opened_from, "opened_from") if opened_from else None,
                                  opened_to=form_date(opened_to, "opened_to") if opened_to else None)
    query = "&".join(f"{k}={v}" for k, v in (("as_of", day.isoformat()), ("opened_from", opened_from),
                                             ("opened_to", opened_to)) if v)
    return render(request, "trace_requests_report.html", {"report": found, "query": query,
                                                          "opened_from": opened_from, "opened_to": opened_to})


@router.get("/trace-requests/{reference}", response_class=HTMLResponse)
def trace_request_page(request: Request, reference: str,
                       caller: Annotated[Caller, Depends(requires(Action.TRACE_REQUESTS_READ))],
                       serials_from: Annotated[int, Query(ge=0, le=10_000_000)] = 0) -> Response:
    """One request: question, serials, deadline, answer (or the form to give it), files, what it feeds;
    for an incoming one, what the registry holds of its serials (TRACED_ON_PAGE at a time from `serials_from`)."""
    ew = endwatch_of(request)
    found = trace_requests.get_request(ew.reader(), caller.principal, reference)
    held = _held(ew, caller, found, serials_from) if found.direction is Direction.INCOMING else []
    more = serials_from + TRACED_ON_PAGE if held and len(found.serials) > serials_from + TRACED_ON_PAGE else None
    earlier = max(serials_from - TRACED_ON_PAGE, 0) if held and serials_from else None
    return render(request, "trace_request.html", {"r": found, "today": ew.today(), "held": held,
                                                  "serials_from": serials_from, "serials_more": more,
                                                  "serials_earlier": earlier})


# An incoming request's serials traced on its page at once: a request holds at most MAX_SERIALS (1,000) when
# opened, so one page shows them all; an older or imported one with more is paged.
TRACED_ON_PAGE = MAX_SERIALS


def _held(ew: Endwatch, caller: Caller, found: TraceRequest,
          start: int = 0) -> list[tuple[str, TraceResult | None]]:
    """What the registry holds of each serial an incoming request asks about ("is this serial one of yours?"),
    traced as of today for a caller who may trace: the draft of the answer. A serial that is not one is None.
    All of a page's serials are traced in one read of a few statements (trace_serials), not one each."""
    if not caller.principal.may(Action.TRACE):
        return []
    return trace_serials(ew.reader(), found.serials[start:start + TRACED_ON_PAGE], as_of=ew.today())


@router.post("/trace-requests/{reference}/answer")
def answer_trace_request(request: Request, reference: str,
                         caller: Annotated[Caller, Depends(requires(Action.TRACE_REQUESTS_ANSWER))],
                         text: Annotated[str, Form(max_length=10_000)], on: Annotated[str, Form()],
                         send: Annotated[str, Form()] = "") -> Response:
    """Record the answer (once); an exporter answers only a request addressed to its company."""
    trace_requests.answer_request(endwatch_of(request).uow(), caller.principal, reference, text,
                                  form_date(on, "on"), send=bool(send))
    return _back(reference, "answer")


@router.post("/trace-requests/{reference}/close")
def close_trace_request(request: Request, reference: str,
                        caller: Annotated[Caller, Depends(requires(Action.TRACE_REQUESTS_WRITE))],
                        reason: Annotated[str, Form(max_length=2000)], on: Annotated[str, Form()]) -> Response:
    """Close the request without an answer, with a reason."""
    trace_requests.close_request(endwatch_of(request).uow(), caller.principal, reference, reason, form_date(on, "on"))
    return _back(reference)


@router.post("/trace-requests/{reference}/link")
def link_trace_request(request: Request, reference: str,
                       caller: Annotated[Caller, Depends(requires(Action.TRACE_REQUESTS_WRITE))],
                       finding: Annotated[str, Form(max_length=100)] = "",
                       case_id: Annotated[str, Form(max_length=40)] = "") -> Response:
    """Name the finding and/or case the request feeds (an empty field leaves it as it was)."""
    trace_requests.feed(endwatch_of(request).uow(), caller.principal, reference, finding=finding.strip() or None,
                        case_id=case_id.strip() or None)
    return _back(reference)


@router.post("/trace-requests/{reference}/files")
async def attach_to_trace_request(request: Request, reference: str,
                                  caller: Annotated[Caller, Depends(requires(Action.TRACE_REQUESTS_ANSWER))],
                                  file: UploadFile,
                                  description: Annotated[str, Form(max_length=2000)] = "") -> Response:
    """Attach an image or a PDF (its type told by its content), kept in the evidence store under its SHA-256."""
    ew = endwatch_of(request)
    with tempfile.TemporaryDirectory() as tmp:
        path = await evidence_file(file, Path(tmp), MAX_FILE)
        trace_requests.attach(ew.uow(), caller.principal, ew.settings.home / "evidence", reference, [path],
                              description.strip())
    return _back(reference, "files")


@router.get("/trace-requests/{reference}/files/{sha256}")
def trace_request_file(request: Request, reference: str, sha256: str,
                       caller: Annotated[Caller, Depends(requires(Action.TRACE_REQUESTS_READ))]) -> Response:
    """A file attached to the request (only to a caller who may see the request); always downloaded."""
    ew = endwatch_of(request)
    found = trace_requests.get_request(ew.reader(), caller.principal, reference)
    attached = next((a for a in found.attachments if a.sha256 == sha256), None)
    path = stored_path(ew.settings.home / "evidence", sha256) if attached else None
    if attached is None or path is None or not path.is_file():
        raise NotFound("file", sha256)
    kind = mimetypes.guess_type(attached.filename)[0] or "application/octet-stream"
    response = FileResponse(path, media_type=kind, filename=attached.filename, content_disposition_type="attachment")
    response.headers["Cache-Control"] = "no-store"
    return response
