"""Search everywhere: `GET /api/v1/search?q=` and the results page `/search` behind the box on every page.
Both are rate-limited per principal (web/ratelimit.py) and scoped by services/reporting/search.py."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response

from endwatch.errors import InvalidInput
from endwatch.services.authz import Action
from endwatch.services.reporting.search import KINDS, MAX_QUERY, SearchResult, search
from endwatch.web.errors import error_schema
from endwatch.web.ratelimit import RateLimiter
from endwatch.web.render import render
from endwatch.web.schemas import ErrorBody, FoundOut, NearOut, SearchGroupOut, SearchOut
from endwatch.web.security import Caller, endwatch_of, requires

router = APIRouter()

# The box's text may be as long as a search allows; longer is refused by the service with its own message.
Q = Annotated[str, Query(max_length=MAX_QUERY * 4, description="Serial, name, or the start of a number")]


def link_of(kind: str, key: str) -> str:
    """The page of a found record."""
    if kind == "serials":
        return f"/trace?serial={quote(key, safe='')}"
    return f"/{kind}/{quote(key, safe='')}"


def _limited_search(request: Request, caller: Caller, q: str) -> SearchResult:
    ew = endwatch_of(request)
    limiter: RateLimiter = request.app.state.search_limiter
    limiter.check(caller.principal.username)
    return search(ew.reader, caller.principal, q, ew.today())


@router.get("/api/v1/search", response_model=SearchOut,
            responses={**error_schema(),
                       429: {"model": ErrorBody, "description": "rate_limited: too many searches; retry after"
                             " the Retry-After header's seconds"}},
            summary="Search serials, party names, and permit, application, case and sighting numbers"
                    " (rate-limited: docs/api.md)")
def search_api(request: Request, caller: Annotated[Caller, Depends(requires(Action.DASHBOARD_READ))],
               q: Q = "") -> SearchOut:
    found = _limited_search(request, caller, q)
    return SearchOut(
        q=found.text,
        groups=[SearchGroupOut(kind=kind, heading=KINDS[kind][1],
                               items=[FoundOut(key=f.key, label=f.label, detail=f.detail, link=link_of(kind, f.key))
                                      for f in items])
                for kind, items in found.groups.items()],
        near=NearOut.of(found.near) if found.near is not None else None)


@router.get("/search", response_class=HTMLResponse, include_in_schema=False)
def search_page(request: Request, caller: Annotated[Caller, Depends(requires(Action.DASHBOARD_READ))],
                q: Q = "") -> Response:
    result = None
    error = None
    if q.strip():
        try:
            result = _limited_search(request, caller, q)
        except InvalidInput as exc:
            error = "; ".join(p.message for p in exc.problems)
    return render(request, "search.html", {"q": q, "result": result, "error": error, "kinds": KINDS,
                                           "link_of": link_of})
