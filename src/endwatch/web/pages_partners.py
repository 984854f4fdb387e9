"""The partner authorities pages: the partners, their limits, the exchanges logged and, for one exchange, our items
it matched with their trace requests (action partners.read: investigators, officers, auditors, administrators);
and for those who run exchanges (action partners.exchange: investigators, officers, administrators; never
exporters, approvers or the public) the exchange itself, one step per form, through the same service functions as
`endwatch partners export-keys / match / finish` (the same checks, limits per partner, log and audit):

- start an exchange with a partner: our blinded set, the request file, to download and send;
- answer a partner's request file: the reply file to download and send back;
- finish: the partner's reply (we started) or its final file (we answered): our items the partner also holds, at
  which tier, each with a trace request opened; having started it, the final file to download and send.

This side's secret key and the files we sent are kept by endwatch (services/monitoring/partner_folder.py). A
partner's file is copied to a temporary folder for the step and removed after it; a refused file changes nothing
and its problems name it by the name it was uploaded under. The cryptography runs in a worker thread."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated

from anyio import to_thread
from fastapi import APIRouter, Depends, Form, Request, UploadFile
from fastapi import Path as PathParam
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response

from endwatch.bootstrap import Endwatch
from endwatch.errors import InvalidInput, Problem
from endwatch.services.authz import Action, permits
from endwatch.services.monitoring import partners
from endwatch.services.monitoring.partner_folder import ExchangeFolders, Upload
from endwatch.web.api_partners import ExchangeId, defaults
from endwatch.web.render import render
from endwatch.web.security import Caller, endwatch_of, requires
from endwatch.web.uploads import safe_name

router = APIRouter(include_in_schema=False)
CHUNK = 1 << 20
FileName = Annotated[str, PathParam(pattern=r"^(request|reply|final)\.json$",
                                    description="request.json, reply.json or final.json")]


def folders(ew: Endwatch) -> ExchangeFolders:
    """Where the exchanges run from the web keep their key and the files we sent."""
    return ExchangeFolders(ew.settings.home / "partner-exchanges")


def config(request: Request) -> partners.Config:
    return partners.Config(endwatch_of(request).settings.authority, defaults(request))


@router.get("/partners", response_class=HTMLResponse)
def partners_page(request: Request,
                  caller: Annotated[Caller, Depends(requires(Action.PARTNERS_READ))]) -> Response:
    """Every partner and every exchange, newest first; for those who run exchanges, the forms to start or
    answer one."""
    ew = endwatch_of(request)
    return render(request, "partners.html", {
        "partners": partners.list_partners(ew.reader(), caller.principal, defaults(request)),
        "exchanges": partners.list_exchanges(ew.reader(), caller.principal),
        "can_exchange": permits(caller.principal.role, Action.PARTNERS_EXCHANGE),
        "authority": ew.settings.authority, "max_upload": ew.settings.max_upload_bytes})


@router.get("/partners/exchanges/{exchange_id}", response_class=HTMLResponse)
def exchange_page(request: Request, exchange_id: ExchangeId,
                  caller: Annotated[Caller, Depends(requires(Action.PARTNERS_READ))]) -> Response:
    """One exchange: what was sent and received, our items the partner also holds, and (for those who run
    exchanges) the files we sent to download and the form for the next step."""
    ew = endwatch_of(request)
    e, found = partners.exchange_matches(ew.reader(), caller.principal, exchange_id)
    can = permits(caller.principal.role, Action.PARTNERS_EXCHANGE)
    kept = folders(ew)
    return render(request, "partner_exchange.html", {
        "exchange": e, "matches": found, "can_exchange": can, "sent": kept.sent(e.id) if can else [],
        "holds_key": can and kept.holds_key(e.id)})


@router.post("/partners/exchanges")
async def exchange_start(request: Request, caller: Annotated[Caller, Depends(requires(Action.PARTNERS_EXCHANGE))],
                         partner: Annotated[str, Form(min_length=1, max_length=100)]) -> Response:
    """Step 1: start an exchange with the partner; its page then offers the request file to send."""
    ew = endwatch_of(request)
    result = await to_thread.run_sync(lambda: folders(ew).start(ew, caller.principal, config(request), partner,
                                                               parallel=ew.parallel))
    return RedirectResponse(f"/partners/exchanges/{result.exchange.id}", status_code=303)


async def _received(upload: UploadFile | None, folder: Path, limit: int) -> Upload:
    """The uploaded partner's file, copied into `folder` in chunks; InvalidInput naming `file` when there is none
    or it is larger than the upload limit."""
    if upload is None or not upload.filename:
        raise InvalidInput([Problem("choose the partner's exchange file to upload", column="file")])
    name = safe_name(upload.filename, ".json", "exchange")
    path = folder / "upload"
    size = 0
    with path.open("wb") as out:
        while chunk := await upload.read(CHUNK):
            size += len(chunk)
            if size > limit:
                raise InvalidInput([Problem(f"{name} is larger than the {limit} bytes an upload may be"
                                            " (ENDWATCH_MAX_UPLOAD_BYTES; a larger exchange runs on the command"
                                            " line)", column="file")])
            out.write(chunk)
    if not size:
        raise InvalidInput([Problem(f"{name} is empty: choose the partner's exchange file", column="file")])
    return Upload(path, name)


@router.post("/partners/answers")
async def exchange_answer(request: Request, caller: Annotated[Caller, Depends(requires(Action.PARTNERS_EXCHANGE))],
                          partner: Annotated[str, Form(min_length=1, max_length=100)],
                          file: UploadFile | None = None) -> Response:
    """Step 2: answer the partner's request file; the exchange's page then offers the reply file to send back."""
    ew = endwatch_of(request)
    with tempfile.TemporaryDirectory() as tmp:
        upload = await _received(file, Path(tmp), ew.settings.max_upload_bytes)
        result = await to_thread.run_sync(lambda: folders(ew).answer(ew, caller.principal, config(request), partner,
                                                                    upload, parallel=ew.parallel))
    return RedirectResponse(f"/partners/exchanges/{result.exchange.id}", status_code=303)


@router.post("/partners/exchanges/{exchange_id}/finish")
async def exchange_finish(request: Request, exchange_id: ExchangeId,
                          caller: Annotated[Caller, Depends(requires(Action.PARTNERS_EXCHANGE))],
                          file: UploadFile | None = None) -> Response:
    """Steps 3 and 4: the partner's reply or final file; the exchange's page then shows our matched items (and,
    having started it, offers the final file to send)."""
    ew = endwatch_of(request)
    with tempfile.TemporaryDirectory() as tmp:
        upload = await _received(file, Path(tmp), ew.settings.max_upload_bytes)
        await to_thread.run_sync(lambda: folders(ew).finish(ew, caller.principal, config(request), exchange_id,
                                                           upload, on=ew.today(), parallel=ew.parallel))
    return RedirectResponse(f"/partners/exchanges/{exchange_id}#matches", status_code=303)


@router.get("/partners/exchanges/{exchange_id}/files/{name}")
def exchange_file(request: Request, exchange_id: ExchangeId, name: FileName,
                  caller: Annotated[Caller, Depends(requires(Action.PARTNERS_EXCHANGE))]) -> Response:
    """A file we sent in the exchange, to download and pass to the partner (blinded elements only: no serial)."""
    ew = endwatch_of(request)
    partners.exchange_matches(ew.reader(), caller.principal, exchange_id)  # NotFound for an exchange not logged
    path = folders(ew).sent_file(exchange_id, name)
    return FileResponse(path, media_type="application/json",
                        filename=f"endwatch-psi-{name.removesuffix('.json')}-{exchange_id}.json")
