"""Case work in the web: notes, evidence upload, inquiries (asked with a due date, reminded, answered),
assigning an investigator, closing with a reason and reopening, and the oversight pack. Every form posts
through a service (gate, principal, audit) with the page's CSRF token; nothing here writes on its own."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from endwatch.errors import InvalidInput, Problem
from endwatch.services.authz import Action
from endwatch.services.casefiles import inquiries, oversight
from endwatch.services.casefiles.cases import assign_case, case_file, close_case, reopen_case
from endwatch.services.casefiles.evidence import attach
from endwatch.services.casefiles.notes import add_note
from endwatch.services.registry.queries import list_parties
from endwatch.web.fields import form_date
from endwatch.web.render import render
from endwatch.web.security import Caller, endwatch_of, requires
from endwatch.web.uploads import safe_name, sniff

router = APIRouter(include_in_schema=False)
MAX_EVIDENCE = 20 * 1024 * 1024
PACK_TYPES = {oversight.PackFormat.pdf: "application/pdf", oversight.PackFormat.json: "application/json",
              oversight.PackFormat.md: "text/markdown; charset=utf-8"}


def _back(case_id: str, anchor: str) -> Response:
    return RedirectResponse(f"/cases/{case_id}#{anchor}", status_code=303)


@router.post("/cases/{case_id}/notes")
def case_note(request: Request, case_id: str, caller: Annotated[Caller, Depends(requires(Action.CASES_WRITE))],
              text: Annotated[str, Form(max_length=10000)], on: Annotated[str, Form()]) -> Response:
    """Add a dated note."""
    add_note(endwatch_of(request).uow(), caller.principal, case_id, text, form_date(on, "on"))
    return _back(case_id, "notes")


@router.post("/cases/{case_id}/evidence")
async def case_evidence(request: Request, case_id: str,
                        caller: Annotated[Caller, Depends(requires(Action.CASES_WRITE))],
                        file: UploadFile, description: Annotated[str, Form(max_length=2000)] = "") -> Response:
    """Attach an image or a PDF (its type told by its content); stored under its SHA-256."""
    content = await file.read(MAX_EVIDENCE + 1)
    if not content:
        raise InvalidInput([Problem("choose a file to upload", column="file")])
    if len(content) > MAX_EVIDENCE:
        raise InvalidInput([Problem("the file is larger than 20 MB", column="file")])
    kind = sniff(content)
    if kind is None:
        raise InvalidInput([Problem("the file is not a JPEG, PNG, WebP image or a PDF (told by its content, not"
                                    " its name)", column="file")])
    ew = endwatch_of(request)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / safe_name(file.filename or "", kind, "evidence")
        path.write_bytes(content)
        attach(ew.uow(), caller.principal, ew.settings.home / "evidence", case_id, [path], description.strip())
    return _back(case_id, "evidence")


@router.get("/cases/{case_id}/inquiries/new", response_class=HTMLResponse)
def inquiry_form(request: Request, case_id: str,
                 caller: Annotated[Caller, Depends(requires(Action.CASES_WRITE))]) -> Response:
    """The page that puts a question to a party about the case."""
    ew = endwatch_of(request)
    cf = case_file(ew.reader(), case_id)
    return render(request, "inquiry_new.html", {"cf": cf, "parties": list_parties(ew.reader()),
                                                "today": ew.today()})


@router.post("/cases/{case_id}/inquiries")
def inquiry_ask(request: Request, case_id: str, caller: Annotated[Caller, Depends(requires(Action.CASES_WRITE))],
                to: Annotated[str, Form(max_length=300)], question: Annotated[str, Form(max_length=10000)],
                on: Annotated[str, Form()], due_on: Annotated[str, Form()] = "",
                send: Annotated[str, Form()] = "") -> Response:
    """Record the question (and send it by e-mail through the outbox when asked to)."""
    due = form_date(due_on, "due_on") if due_on else None
    inquiries.ask(endwatch_of(request).uow(), caller.principal, case_id, to, question, form_date(on, "on"),
                  send=bool(send), due_on=due)
    return _back(case_id, "inquiries")


@router.post("/cases/{case_id}/inquiries/{inquiry_id}/remind")
def inquiry_remind(request: Request, case_id: str, inquiry_id: int,
                   caller: Annotated[Caller, Depends(requires(Action.CASES_WRITE))],
                   on: Annotated[str, Form()]) -> Response:
    """Send the party a reminder of an unanswered inquiry (through the outbox)."""
    inquiries.remind(endwatch_of(request).uow(), caller.principal, case_id, inquiry_id, form_date(on, "on"))
    return _back(case_id, "inquiries")


@router.post("/cases/{case_id}/assign")
def case_assign(request: Request, case_id: str, caller: Annotated[Caller, Depends(requires(Action.CASES_WRITE))],
                investigator: Annotated[str, Form(max_length=200)] = "") -> Response:
    """Assign the case to an investigator (empty: unassign)."""
    assign_case(endwatch_of(request).uow(), caller.principal, case_id, investigator.strip() or None)
    return _back(case_id, "work")


@router.post("/cases/{case_id}/close")
def case_close(request: Request, case_id: str, caller: Annotated[Caller, Depends(requires(Action.CASES_WRITE))],
               on: Annotated[str, Form()], reason: Annotated[str, Form(max_length=2000)]) -> Response:
    """Close the case from a date, with a reason."""
    if not reason.strip():
        raise InvalidInput([Problem("say why the case is closed", column="reason")])
    close_case(endwatch_of(request).uow(), caller.principal, case_id, form_date(on, "on"), reason.strip())
    return _back(case_id, "work")


@router.post("/cases/{case_id}/reopen")
def case_reopen(request: Request, case_id: str, caller: Annotated[Caller, Depends(requires(Action.CASES_WRITE))],
                reason: Annotated[str, Form(max_length=2000)]) -> Response:
    """Reopen a closed case, with a reason."""
    reopen_case(endwatch_of(request).uow(), caller.principal, case_id, reason)
    return _back(case_id, "work")


@router.get("/cases/{case_id}/pack")
def case_pack(request: Request, case_id: str, caller: Annotated[Caller, Depends(requires(Action.CASES_READ))],
              profile: str = "committee", format: str = "pdf") -> Response:
    """The oversight pack, redacted for its audience, as a download."""
    problems = []
    if profile not in oversight.Profile.__members__:
        problems.append(Problem(f"{profile!r} is not public, committee or internal", column="profile"))
    if format not in oversight.PackFormat.__members__:
        problems.append(Problem(f"{format!r} is not pdf, json or md", column="format"))
    if problems:
        raise InvalidInput(problems)
    ew = endwatch_of(request)
    fmt = oversight.PackFormat(format)
    data = oversight.export_pack(ew.reader(), case_id, oversight.Profile(profile), fmt, ew.today(),
                                 oversight.find_font())
    name = f"{case_id}-{profile}-pack.{fmt.value}"
    return Response(data, media_type=PACK_TYPES[fmt], headers={
        "Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"})
