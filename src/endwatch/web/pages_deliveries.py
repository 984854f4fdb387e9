"""Pages over delivered items: the list of deliveries (filters, sort, keyset paging, downloads) and one
delivery's page (a permit's items delivered on one day, the permit, and the sightings matched to them).

Both read pages of the list repository in SQL, never a table; an exporter sees only its own company's."""

from __future__ import annotations

from datetime import date
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from endwatch.errors import InvalidInput, NotFound, Problem
from endwatch.services.authz import Action, check_visible, company_scope, permits
from endwatch.services.registry import queries
from endwatch.services.reporting import lists
from endwatch.services.reporting.store import ListQuery
from endwatch.web.listing import controls, export_response, list_query
from endwatch.web.render import render
from endwatch.web.security import Caller, endwatch_of, requires

router = APIRouter(include_in_schema=False)
# Rows a list page shows at once (its next link gives the following ones).
PAGE_SIZE = 50
# Items and sightings one delivery's page shows; the rest are a link to the filtered lists.
SHOWN = 100


@router.get("/deliveries", response_class=HTMLResponse)
def deliveries_page(request: Request,
                    caller: Annotated[Caller, Depends(requires(Action.DELIVERIES_READ))]) -> Response:
    query = list_query(request, "deliveries", PAGE_SIZE)
    if (file := export_response(request, caller, query)) is not None:
        return file
    found = lists.page(endwatch_of(request).reader(), query, company_scope(caller.principal))
    return render(request, "deliveries.html", {"items": found.items, "controls": controls(request, query, found)})


def _day(text: str) -> date:
    try:
        if len(text) != 10:
            raise ValueError(text)
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidInput([Problem(f"{text!r} is not a date (YYYY-MM-DD)", column="path.day")]) from None


@router.get("/deliveries/{permit}/{day}", response_class=HTMLResponse)
def delivery_page(request: Request, permit: str, day: str,
                  caller: Annotated[Caller, Depends(requires(Action.DELIVERIES_READ))]) -> Response:
    """One delivery: the items delivered under `permit` on `day`, the permit as of that day, and (for roles
    that read sightings) the sightings matched to these items. Another company's permit is not found."""
    on = _day(day)
    ew = endwatch_of(request)
    view = queries.permit_as_of(ew.reader(), permit, on)
    check_visible(caller.principal, "permit", permit, view.permit.exporter_id)
    one_day = {"permit": permit, "delivered_from": on, "delivered_to": on}
    items = lists.page(ew.reader(), ListQuery("deliveries", one_day, "serial", False, None, 0, SHOWN),
                       company_scope(caller.principal))
    sightings = None
    if permits(caller.principal.role, Action.SIGHTINGS_READ):
        sightings = lists.page(ew.reader(), ListQuery("findings", {"permit": permit, "delivered_on": on},
                                                      "observed_on", True, None, 0, SHOWN // 2), None)
    items_url = "/deliveries?" + urlencode({"permit": permit, "delivered_from": day, "delivered_to": day})
    findings_url = "/findings?" + urlencode({"permit": permit, "delivered_on": day})
    if not items.items:
        raise NotFound("delivery", f"{permit} on {day}")
    return render(request, "delivery.html", {"view": view, "day": on, "items": items, "sightings": sightings,
                                             "items_url": items_url, "findings_url": findings_url})
