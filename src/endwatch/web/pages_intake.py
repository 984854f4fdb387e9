"""Sighting intake in bulk and sighting photos: a CSV or XLSX file of sightings uploaded from the web
(services/detection/upload.py: validated whole, every problem named by row and column, then every sighting
recorded and decided in one write, or none), and the photos that came with a sighting, shown on its page."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, UploadFile
from fastapi.responses import HTMLResponse, Response

from endwatch.errors import InvalidInput, NotFound, Problem
from endwatch.services.authz import Action
from endwatch.services.casefiles.evidence import stored_path
from endwatch.services.detection.upload import MAX_ROWS, upload_sightings
from endwatch.services.reporting import lists, records
from endwatch.web.pages_cases import MAX_UPLOAD, _EvidenceResponse, _store
from endwatch.web.render import render
from endwatch.web.security import Caller, endwatch_of, requires
from endwatch.web.uploads import PHOTO_EXTENSIONS, sniff

router = APIRouter(include_in_schema=False)
_MEDIA = {".jpg": "image/jpeg", ".png": "image/png", ".webp": "image/webp"}


@router.get("/sightings/upload", response_class=HTMLResponse)
def upload_form(request: Request, caller: Annotated[Caller, Depends(requires(Action.SIGHTINGS_WRITE))]) -> Response:
    return render(request, "sightings_upload.html", {"max_rows": MAX_ROWS, "problems": [], "uploaded": None})


@router.post("/sightings/upload", response_class=HTMLResponse)
async def upload(request: Request, caller: Annotated[Caller, Depends(requires(Action.SIGHTINGS_WRITE))],
                 file: UploadFile | None = None) -> Response:
    """Record and decide every sighting in the file, or none: the form again with every problem (422)."""
    name = (file.filename or "upload") if file is not None else "upload"
    content = await file.read(MAX_UPLOAD + 1) if file is not None else b""
    try:
        if len(content) > MAX_UPLOAD:
            raise InvalidInput([Problem("the file is larger than 20 MB", name, None, "file")])
        done = upload_sightings(endwatch_of(request).uow(), caller.principal, content, name)
    except InvalidInput as exc:
        return render(request, "sightings_upload.html", {"max_rows": MAX_ROWS, "problems": exc.problems,
                                                         "uploaded": None, "name": name}, status_code=422)
    results = {r.finding.sighting_id: r for r in done.run.results}
    return render(request, "sightings_upload.html", {
        "max_rows": MAX_ROWS, "problems": [], "name": name, "uploaded": done,
        "results": [(s, results.get(s.id)) for s in done.sightings]})


@router.get("/sightings/{sighting_id}/photos/{sha256}")
def sighting_photo(request: Request, sighting_id: str, sha256: str,
                   caller: Annotated[Caller, Depends(requires(Action.SIGHTINGS_READ))]) -> Response:
    """A photo recorded with the sighting (only those: any other digest is not found), as an image."""
    ew = endwatch_of(request)
    view = lists.sighting_view(ew.reader(), sighting_id)
    photo = next((p for p in records.sighting_photos(ew.reader, sighting_id, view.case_id) if p.sha256 == sha256),
                 None)
    path = stored_path(_store(request), sha256) if photo is not None else None
    if path is None or not path.is_file():
        raise NotFound("photo", sha256)
    with path.open("rb") as fh:
        kind = sniff(fh.read(16))
    if kind not in PHOTO_EXTENSIONS:
        raise NotFound("photo", sha256)
    response = _EvidenceResponse(path, media_type=_MEDIA[kind or ""], filename=photo.filename if photo else None,
                                 content_disposition_type="inline")
    response.headers["Cache-Control"] = "no-store"
    return response
