"""End-use checks in the web: the plan with overdue checks by age and the share of designated items whose inventory
is overdue (/checks), planning a check, and a check's page (/checks/{id}) with its reconciliation and a result form
made for a phone (serials typed one a line, or a CSV/XLSX file, photos, the outcome). Every form posts through a
service (gate, principal, audit) with the page's CSRF token; an exporter sees only checks on its own permits."""

from __future__ import annotations

import tempfile
from datetime import date, timedelta
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from endwatch.bootstrap import Endwatch
from endwatch.errors import InvalidInput, Problem
from endwatch.services.authz import Action, company_scope
from endwatch.services.monitoring import checks, found, reconcile, series
from endwatch.services.monitoring import plan as plans
from endwatch.services.monitoring.store import Check, SeriesDay
from endwatch.web.fields import form_date
from endwatch.web.render import render
from endwatch.web.security import Caller, endwatch_of, requires
from endwatch.web.uploads import safe_name, sniff

router = APIRouter(include_in_schema=False)
MAX_FILE = 20 * 1024 * 1024
SHOWN = 500  # plan lines shown on the page; the API and the command line give them all


@router.get("/checks", response_class=HTMLResponse)
def checks_page(request: Request, caller: Annotated[Caller, Depends(requires(Action.CHECKS_READ))],
                as_of: str = "") -> Response:
    """The plan as of a day (default today), overdue checks by age, and every check."""
    ew = endwatch_of(request)
    day = form_date(as_of, "as_of") if as_of else ew.today()
    p = plans.plan(ew.reader(), caller.principal, day)
    return render(request, "checks.html", {
        "plan": p, "rows": p.checks[:SHOWN], "shown": SHOWN, "ages": plans.overdue_by_age(p),
        "checks": checks.list_checks(ew.reader(), caller.principal), "today": ew.today(),
        "series": recorded_year(ew, caller, day), "age_labels": [label for label, _, _ in plans.AGES]})


def recorded_year(ew: Endwatch, caller: Caller, day: date) -> list[SeriesDay] | None:
    """The recorded figures of the year up to `day` for the authority's readers; None for an exporter (the
    series counts every exporter's permits)."""
    if company_scope(caller.principal) is not None:
        return None
    return series.series(ew.reader(), caller.principal, max(series.FIRST, day - timedelta(days=365)), day)


@router.post("/checks")
def check_open(request: Request, caller: Annotated[Caller, Depends(requires(Action.CHECKS_WRITE))],
               kind: Annotated[str, Form(max_length=20)], subjects: Annotated[str, Form(max_length=20000)],
               on: Annotated[str, Form()], inspector: Annotated[str, Form(max_length=300)],
               place: Annotated[str, Form(max_length=2000)] = "", others: Annotated[str, Form()] = "") -> Response:
    """Plan a check on the permits (or, for a pre-licence check, applications) listed one a line."""
    keys = [k.strip() for k in subjects.replace(",", "\n").splitlines() if k.strip()]
    what = "application" if kind == "pre-licence" else "permit"
    made = checks.open_check(endwatch_of(request).uow(), caller.principal, Check(
        None, kind, tuple((what, k) for k in keys), form_date(on, "on"), inspector, place, not others))
    return RedirectResponse(f"/checks/{made.id}", status_code=303)


@router.get("/checks/{check_id}", response_class=HTMLResponse)
def check_page(request: Request, check_id: int,
               caller: Annotated[Caller, Depends(requires(Action.CHECKS_READ))]) -> Response:
    """A check, its reconciliation per permit, and (for those who record checks) the result form."""
    ew = endwatch_of(request)
    rec = reconcile.reconcile(ew.reader(), caller.principal, check_id)
    with ew.reader() as uow:
        photos = uow.checks.photos(check_id)
    return render(request, "check.html", {"rec": rec, "c": rec.check, "counts": rec.counts(), "photos": photos,
                                          "today": ew.today()})


async def _read(upload: UploadFile, what: str) -> bytes:
    content = await upload.read(MAX_FILE + 1)
    if len(content) > MAX_FILE:
        raise InvalidInput([Problem(f"the {what} is larger than 20 MB", column=what)])
    return content


@router.post("/checks/{check_id}/result")
async def check_result(request: Request, check_id: int,
                       caller: Annotated[Caller, Depends(requires(Action.CHECKS_WRITE))],
                       on: Annotated[str, Form()], outcome: Annotated[str, Form(max_length=20)],
                       reasons: Annotated[str, Form(max_length=10000)] = "",
                       serials: Annotated[str, Form(max_length=2_000_000)] = "",
                       place: Annotated[str, Form(max_length=2000)] = "",
                       user_id: Annotated[str, Form(max_length=100)] = "",
                       user: Annotated[str, Form(max_length=300)] = "",
                       condition: Annotated[str, Form(max_length=100)] = "",
                       sightings: Annotated[str, Form(max_length=200_000)] = "",
                       file: UploadFile | None = None, photos: list[UploadFile] | None = None) -> Response:
    """Record the result: typed serials (one a line) with their place, user and condition, a file of found items,
    sightings already recorded (their numbers, one a line), photos (JPEG, PNG, WebP or PDF, told by their
    content) and the outcome."""
    ew = endwatch_of(request)
    items = found.typed(serials.splitlines(), place=place.strip(), user_id=user_id.strip() or None,
                        user=user.strip(), condition=condition.strip())
    seen = [s.strip() for s in sightings.splitlines() if s.strip()]
    if seen:
        items += found.from_sightings(ew.reader(), seen)
    with tempfile.TemporaryDirectory() as tmp:
        if file is not None and file.filename:
            content = await _read(file, "file")
            path = Path(tmp) / "found-items"
            path.write_bytes(content)
            items += found.from_file(path, file.filename)
        stored: list[Path] = []
        for n, photo in enumerate(photos or []):
            if not photo.filename:
                continue
            content = await _read(photo, "photo")
            kind = sniff(content)
            if kind is None:
                raise InvalidInput([Problem(f"{photo.filename!r} is not a JPEG, PNG or WebP image or a PDF (told by"
                                            " its content)", column="photos")])
            folder = Path(tmp) / f"photo-{n}"  # one folder each: two photos may have the same name
            folder.mkdir()
            path = folder / safe_name(photo.filename, kind)
            path.write_bytes(content)
            stored.append(path)
        # The result and its photos in one write: a failure stores neither.
        checks.record_result(ew.uow(), caller.principal, check_id, form_date(on, "on"), outcome, reasons, items,
                             photos=stored, store=ew.settings.home / "evidence")
    return RedirectResponse(f"/checks/{check_id}#reconciliation", status_code=303)


@router.post("/checks/{check_id}/findings")
def check_findings(request: Request, check_id: int,
                   caller: Annotated[Caller, Depends(requires(Action.CHECKS_WRITE))]) -> Response:
    """File the check's findings through detection's rules."""
    reconcile.file_findings(endwatch_of(request).uow(), caller.principal, check_id)
    return RedirectResponse(f"/checks/{check_id}#findings", status_code=303)
