"""The web side of lists: a list query from the request's parameters, and the API's page shape."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import Response

from endwatch.errors import InvalidInput, Problem
from endwatch.services.reporting.list_export import export_list
from endwatch.services.reporting.lists import parse_query
from endwatch.services.reporting.store import ListPage, ListQuery
from endwatch.web.security import Caller, endwatch_of


def list_query(request: Request, kind: str, limit: int = 50, offset: int = 0) -> ListQuery:
    """The list query the request asks for (its filters, `sort` and `after`); InvalidInput names each bad one."""
    return parse_query(kind, dict(request.query_params), limit=limit, offset=offset)


def page_body(found: ListPage[Any], items: list[Any], limit: int, offset: int) -> dict[str, object]:
    """One page in the API's list shape: `total` (an estimate when `total_exact` is false), `next` (the
    cursor of the following page, for `after=`), and the items."""
    return {"total": found.total, "total_exact": found.exact, "limit": limit, "offset": offset,
            "next": found.next_after, "items": items}


def export_response(request: Request, caller: Caller, query: ListQuery) -> Response | None:
    """With `format=csv` or `format=xlsx`, the whole filtered list as a file (audited); None otherwise."""
    fmt = request.query_params.get("format", "")
    if fmt in ("", "json", "html"):
        return None
    if fmt not in ("csv", "xlsx"):
        raise InvalidInput([Problem(f"{fmt!r} is not csv, xlsx or json", column="query.format")])
    ew = endwatch_of(request)
    done = export_list(ew, caller.principal, query, fmt, ew.clock().date())
    return Response(done.body, media_type=done.media_type,
                    headers={"Content-Disposition": f'attachment; filename="{done.filename}"',
                             "X-Rows": str(done.rows)})
