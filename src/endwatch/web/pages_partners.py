"""The partner authorities page: the partners, their limits, the exchanges logged and, for one exchange, our items
it matched with their trace requests. Read only (exchanges run on the command line); for investigators, officers,
auditors and administrators (action partners.read)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from endwatch.services.authz import Action
from endwatch.services.monitoring import partners
from endwatch.web.api_partners import ExchangeId, defaults
from endwatch.web.render import render
from endwatch.web.security import Caller, endwatch_of, requires

router = APIRouter(include_in_schema=False)


@router.get("/partners", response_class=HTMLResponse)
def partners_page(request: Request,
                  caller: Annotated[Caller, Depends(requires(Action.PARTNERS_READ))]) -> Response:
    """Every partner and every exchange, newest first."""
    ew = endwatch_of(request)
    return render(request, "partners.html", {
        "partners": partners.list_partners(ew.reader(), caller.principal, defaults(request)),
        "exchanges": partners.list_exchanges(ew.reader(), caller.principal)})


@router.get("/partners/exchanges/{exchange_id}", response_class=HTMLResponse)
def exchange_page(request: Request, exchange_id: ExchangeId,
                  caller: Annotated[Caller, Depends(requires(Action.PARTNERS_READ))]) -> Response:
    """One exchange: what was sent and received, and our items the partner also holds."""
    e, found = partners.exchange_matches(endwatch_of(request).reader(), caller.principal, exchange_id)
    return render(request, "partner_exchange.html", {"exchange": e, "matches": found})
