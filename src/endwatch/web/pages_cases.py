"""Pages over detection and enforcement: sighting intake with photo upload, findings, cases (timeline,
evidence with image previews, recommended actions with a preview; the decision is proposed by one person
and confirmed, rejected or withdrawn by another, services/enforcement/proposals.py). Every route states
its action through `requires`, like every other page."""

from __future__ import annotations

import mimetypes
import os
from contextlib import ExitStack
from datetime import date
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request, UploadFile
from fastapi import Path as PathParam
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response

from endwatch.countries import country_choices
from endwatch.domain.sightings import Sighting
from endwatch.domain.verdicts import CREDIBILITY, RELIABILITY
from endwatch.errors import InvalidInput, NotFound, Problem
from endwatch.services.accounts.users import list_users
from endwatch.services.authz import Action, company_scope, permits
from endwatch.services.casefiles import timeline
from endwatch.services.casefiles.cases import ASSIGNABLE_ROLES, case_file
from endwatch.services.casefiles.evidence import staged, stored_path
from endwatch.services.casefiles.inquiries import answer
from endwatch.services.detection import intake
from endwatch.services.enforcement import decisions as enforcement
from endwatch.services.enforcement import proposals
from endwatch.services.enforcement import scope as enforcement_scope
from endwatch.services.monitoring import requests as trace_requests
from endwatch.services.reporting import lists, records
from endwatch.web.fields import form_date
from endwatch.web.listing import controls, export_response, list_query
from endwatch.web.render import render
from endwatch.web.security import Caller, endwatch_of, requires
from endwatch.web.uploads import PHOTO_EXTENSIONS, safe_name, sniff

router = APIRouter(include_in_schema=False)
MAX_UPLOAD = 20 * 1024 * 1024
# Ids are 64-bit in storage; anything larger cannot name a proposal.
ProposalId = Annotated[int, PathParam(ge=1, le=2**62)]
IMAGE_TYPES = {"image/jpeg", "image/png", "image/gif", "image/webp"}
# Rows a list page shows at once (its next link gives the following ones).
PAGE_SIZE = 50


def _store(request: Request) -> Path:
    return endwatch_of(request).settings.home / "evidence"


def _day(text: str, column: str) -> date:
    return form_date(text, column)


@router.get("/sightings", response_class=HTMLResponse)
def sightings_page(request: Request,
                   caller: Annotated[Caller, Depends(requires(Action.SIGHTINGS_READ))]) -> Response:
    # One page of the filtered list in SQL, each sighting with its verdict and case; `format=csv|xlsx` all of it.
    query = list_query(request, "sightings", PAGE_SIZE)
    if (file := export_response(request, caller, query)) is not None:
        return file
    found = lists.page(endwatch_of(request).reader(), query, None)
    return render(request, "sightings.html", {"views": found.items, "controls": controls(request, query, found)})


@router.get("/findings", response_class=HTMLResponse)
def findings_page(request: Request,
                  caller: Annotated[Caller, Depends(requires(Action.SIGHTINGS_READ))]) -> Response:
    query = list_query(request, "findings", PAGE_SIZE)
    if (file := export_response(request, caller, query)) is not None:
        return file
    found = lists.page(endwatch_of(request).reader(), query, None)
    return render(request, "findings.html", {"results": found.items, "controls": controls(request, query, found)})


@router.get("/sightings/new", response_class=HTMLResponse)
def sighting_form(request: Request,
                  caller: Annotated[Caller, Depends(requires(Action.SIGHTINGS_WRITE))]) -> Response:
    return render(request, "sighting_new.html", {"reliability": RELIABILITY, "credibility": CREDIBILITY,
                                                 "countries": country_choices(),
                                                 "today": endwatch_of(request).today()})


@router.post("/sightings/new")
async def sighting_submit(
    request: Request,
    caller: Annotated[Caller, Depends(requires(Action.SIGHTINGS_WRITE))],
    observed_on: Annotated[str, Form()],
    serial: Annotated[str, Form(max_length=200)],
    reliability: Annotated[str, Form()],
    credibility: Annotated[str, Form()],
    place: Annotated[str, Form(max_length=500)] = "",
    country: Annotated[str, Form(max_length=2)] = "",
    observed_user: Annotated[str, Form(max_length=300)] = "",
    manufacturer: Annotated[str, Form(max_length=300)] = "",
    model: Annotated[str, Form(max_length=300)] = "",
    platform: Annotated[str, Form(max_length=300)] = "",
    source: Annotated[str, Form(max_length=500)] = "",
    photo: UploadFile | None = None,
) -> Response:
    """Record a sighting, decide it at once, attach the photo to its case if one opened; show the finding."""
    ew = endwatch_of(request)
    actor = caller.principal
    day = _day(observed_on, "observed_on")
    content = await photo.read(MAX_UPLOAD + 1) if photo is not None and photo.filename else b""
    # Everything about the photo is checked before anything is written: a bad photo leaves no sighting behind.
    if len(content) > MAX_UPLOAD:
        raise InvalidInput([Problem("the photo is larger than 20 MB", column="photo")])
    kind = sniff(content) if content else None
    if content and kind not in PHOTO_EXTENSIONS:
        raise InvalidInput([Problem("the photo is not a JPEG, PNG or WebP image (told by its content, not its"
                                    " name)", column="photo")])
    filename = safe_name(photo.filename or "", kind) if photo is not None and content and kind else ""
    s = Sighting("", day, serial, reliability.strip().upper(), credibility.strip(), place,
                 country.strip().upper() or None, observed_user, manufacturer, model, platform, source,
                 (filename,) if filename else ())
    with ExitStack() as stack:
        # The photo goes to the evidence store's disk before the sighting is written: a store that cannot be
        # written refuses the upload with nothing recorded, rather than after the sighting and its finding.
        photo_path = stack.enter_context(staged(_store(request), content, filename)) if content else None
        # The sighting, its decision and its photo in one write: an error stored none of them.
        sighting_id = intake.record_sighting(ew.uow(), actor, s, reason="web intake", photo=photo_path,
                                             store=_store(request)).sighting.id
    return RedirectResponse(f"/sightings/{sighting_id}", status_code=303)


@router.get("/sightings/{sighting_id}", response_class=HTMLResponse)
def finding_page(request: Request, sighting_id: str,
                 caller: Annotated[Caller, Depends(requires(Action.SIGHTINGS_READ))]) -> Response:
    ew = endwatch_of(request)
    view = lists.sighting_view(ew.reader(), sighting_id)
    sighting = view.sighting
    result = lists.finding_result(ew.reader(), sighting_id) if view.finding is not None else None
    photos = records.sighting_photos(ew.reader, sighting_id, view.case_id)
    return render(request, "finding.html", {"sighting": sighting, "result": result, "photos": photos})


@router.get("/cases", response_class=HTMLResponse)
def cases_page(request: Request, caller: Annotated[Caller, Depends(requires(Action.CASES_READ))]) -> Response:
    query = list_query(request, "cases", PAGE_SIZE)
    if (file := export_response(request, caller, query)) is not None:
        return file
    found = lists.page(endwatch_of(request).reader(), query, None)
    return render(request, "cases.html", {"cases": found.items, "controls": controls(request, query, found)})


@router.get("/cases/{case_id}", response_class=HTMLResponse)
def case_page(request: Request, case_id: str,
              caller: Annotated[Caller, Depends(requires(Action.CASES_READ))],
              action: str = "", on: str = "") -> Response:
    """The case. With ?action=suspend|revoke|reinstate&on=DATE it also shows what applying the case's
    recommendations would do (nothing is written: the decision is proposed, then confirmed by someone else).
    Each proposal awaiting a decision is shown with what confirming it would do now."""
    ew = endwatch_of(request)
    cf = case_file(ew.reader(), case_id)
    events = timeline.case_timeline(ew.reader(), case_id)
    preview = None
    if action:
        if action not in enforcement_scope.Action.__members__:
            raise InvalidInput([Problem(f"{action!r} is not suspend, reinstate or revoke", column="action")])
        day = _day(on, "on") if on else ew.today()
        preview = enforcement.preview(ew.reader(), enforcement_scope.Scope(case=case_id),
                                      enforcement_scope.Action(action), day, hold_applications=True)
    images = [e for e in cf.evidence if (mimetypes.guess_type(e.filename)[0] or "") in IMAGE_TYPES]
    pdfs = [e for e in cf.evidence if e.filename.lower().endswith(".pdf")]
    # The accounts a case can be assigned to, for those who may assign it.
    assignable = ([u.username for u in list_users(ew.reader()) if u.active and u.role in ASSIGNABLE_ROLES]
                  if permits(caller.principal.role, Action.CASES_WRITE) else [])
    # The latest observation on the case, shown beside the date field: a case replayed from an old record
    # (the bundled one dates from 2020) needs a decision date near its sightings, not today.
    observed = max((f["observed_on"] for f in cf.findings if f.get("observed_on")), default=None)
    found = proposals.list_proposals(ew.reader(), case_id)
    awaiting = [(p, proposals.current_preview(ew.reader(), p)) for p in found if p.is_open]
    # Once every recommended action is applied or dismissed, the page says so instead of offering the form again.
    statuses = [a.status for a in cf.actions]
    settled = bool(statuses) and "recommended" not in statuses and not awaiting
    # The trace requests feeding the case, for those who may read trace requests (approvers read cases, not them).
    feeding = (trace_requests.list_requests(ew.reader(), caller.principal, case_id=case_id)
               if permits(caller.principal.role, Action.TRACE_REQUESTS_READ) else [])
    return render(request, "case.html", {"cf": cf, "events": events, "preview": preview, "images": images,
                                         "trace_requests": feeding,
                                         "today": ew.today(), "observed": observed, "awaiting": awaiting,
                                         "decided": [p for p in found if not p.is_open], "settled": settled,
                                         "applied": statuses.count("applied"),
                                         "dismissed": statuses.count("dismissed"), "pdfs": pdfs,
                                         "assignable": assignable})


def _to_proposals(case_id: str) -> Response:
    return RedirectResponse(f"/cases/{case_id}#proposals", status_code=303)


@router.post("/cases/{case_id}/proposals")
def case_propose(request: Request, case_id: str,
                 caller: Annotated[Caller, Depends(requires(Action.ENFORCEMENT_PROPOSE))],
                 action: Annotated[str, Form()], on: Annotated[str, Form()],
                 reason: Annotated[str, Form(max_length=2000)] = "",
                 reference: Annotated[str, Form(max_length=500)] = "",
                 hold_applications: Annotated[str, Form()] = "") -> Response:
    """Propose the previewed decision; nothing is applied until someone else confirms it."""
    ew = endwatch_of(request)
    proposals.propose(ew.uow(), caller.principal, case_id, action, _day(on, "on"), reason, reference,
                      hold_applications=bool(hold_applications), max_future_days=ew.settings.max_future_days)
    return _to_proposals(case_id)


@router.post("/cases/{case_id}/proposals/{proposal_id}/confirm")
def case_confirm(request: Request, case_id: str, proposal_id: ProposalId,
                 caller: Annotated[Caller, Depends(requires(Action.ENFORCEMENT_DECIDE))]) -> Response:
    """The second signature: apply the proposed decision (every permit changes or none does)."""
    proposals.confirm(endwatch_of(request).uow(), caller.principal, case_id, proposal_id)
    return RedirectResponse(f"/cases/{case_id}#actions", status_code=303)


@router.post("/cases/{case_id}/proposals/{proposal_id}/reject")
def case_reject(request: Request, case_id: str, proposal_id: ProposalId,
                caller: Annotated[Caller, Depends(requires(Action.ENFORCEMENT_DECIDE))],
                reason: Annotated[str, Form(max_length=2000)] = "") -> Response:
    """Reject the proposal with a reason; nothing is applied."""
    proposals.reject(endwatch_of(request).uow(), caller.principal, case_id, proposal_id, reason)
    return _to_proposals(case_id)


@router.post("/cases/{case_id}/proposals/{proposal_id}/withdraw")
def case_withdraw(request: Request, case_id: str, proposal_id: ProposalId,
                  caller: Annotated[Caller, Depends(requires(Action.ENFORCEMENT_PROPOSE))],
                  reason: Annotated[str, Form(max_length=2000)] = "") -> Response:
    """The proposer takes the proposal back; nothing is applied."""
    proposals.withdraw(endwatch_of(request).uow(), caller.principal, case_id, proposal_id, reason)
    return _to_proposals(case_id)


@router.get("/cases/{case_id}/evidence/{sha256}")
def evidence_file(request: Request, case_id: str, sha256: str,
                  caller: Annotated[Caller, Depends(requires(Action.CASES_READ))], view: str = "") -> Response:
    """An evidence file of the case (only files attached to this case are served)."""
    cf = case_file(endwatch_of(request).reader(), case_id)
    link = next((e for e in cf.evidence if e.sha256 == sha256), None)
    path = stored_path(_store(request), sha256) if link else None
    if link is None or path is None or not path.is_file():
        raise NotFound("evidence", sha256)
    kind = mimetypes.guess_type(link.filename)[0] or "application/octet-stream"
    # A PDF is shown inline only when asked for (?view=inline, the case page's preview), and only framed by
    # this site; everything else that is not an image downloads.
    pdf = kind == "application/pdf" and view == "inline"
    inline = kind in IMAGE_TYPES or pdf
    response = _EvidenceResponse(path, media_type=kind if inline else "application/octet-stream",
                                 filename=link.filename, content_disposition_type="inline" if inline else "attachment")
    response.headers["Cache-Control"] = "no-store"
    if pdf:
        response.headers["Content-Security-Policy"] = "default-src 'none'; frame-ancestors 'self'"
        response.headers["X-Frame-Options"] = "SAMEORIGIN"
    return response


class _EvidenceResponse(FileResponse):
    """A file never kept by a browser or a proxy, nor revalidated: no ETag, no Last-Modified (after sign-out
    the back button shows nothing)."""

    def set_stat_headers(self, stat_result: os.stat_result) -> None:
        self.headers.setdefault("content-length", str(stat_result.st_size))


@router.get("/inquiries", response_class=HTMLResponse)
def inquiries_page(request: Request,
                   caller: Annotated[Caller, Depends(requires(Action.INQUIRIES_READ))]) -> Response:
    """Inquiries put to parties; an exporter sees only those addressed to its company (not the case)."""
    query = list_query(request, "inquiries", PAGE_SIZE)
    if (file := export_response(request, caller, query)) is not None:
        return file
    scope = company_scope(caller.principal)
    found = lists.page(endwatch_of(request).reader(), query, scope)
    # An exporter is not told an inquiry's case: its form offers no case filter (the list refuses one).
    omit = ("case",) if scope is not None else ()
    return render(request, "inquiries.html", {"inquiries": found.items, "today": endwatch_of(request).today(),
                                              "controls": controls(request, query, found, omit=omit)})


@router.get("/outbox", response_class=HTMLResponse)
def outbox_page(request: Request, caller: Annotated[Caller, Depends(requires(Action.OUTBOX_READ))]) -> Response:
    """The notifications queued and sent: to whom, about which case, delivered or not."""
    query = list_query(request, "outbox", PAGE_SIZE)
    if (file := export_response(request, caller, query)) is not None:
        return file
    found = lists.page(endwatch_of(request).reader(), query, None)
    return render(request, "outbox.html", {"messages": found.items, "controls": controls(request, query, found)})


@router.post("/inquiries/{inquiry_id}/answer")
def inquiry_answer(request: Request, inquiry_id: int,
                   caller: Annotated[Caller, Depends(requires(Action.INQUIRIES_ANSWER))],
                   text: Annotated[str, Form(max_length=10000)], on: Annotated[str, Form()]) -> Response:
    """Answer an inquiry addressed to the caller's company (others answer 404, as if it did not exist)."""
    ew = endwatch_of(request)
    p = caller.principal
    records.inquiry_for(ew.reader(), inquiry_id, company_scope(p))
    answer(ew.uow(), p, inquiry_id, text, _day(on, "on"))
    return RedirectResponse("/inquiries", status_code=303)
