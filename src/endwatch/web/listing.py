"""The web side of lists: a list query from the request's parameters, and the API's page shape."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import Response

from endwatch.errors import InvalidInput, Problem
from endwatch.services.authz import Action, permits
from endwatch.services.reporting.list_export import export_list
from endwatch.services.reporting.lists import SPECS, ListSpec, filter_params, parse_query, sort_param
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
    done = export_list(ew, caller.principal, query, fmt, ew.today())
    return Response(done.body, media_type=done.media_type,
                    headers={"Content-Disposition": f'attachment; filename="{done.filename}"',
                             "X-Rows": str(done.rows)})


@dataclass(frozen=True)
class SortLink:
    """A column's sort link: its key, the URL asking for it, and whether it is the current order."""

    key: str
    url: str
    current: bool
    descending: bool


@dataclass(frozen=True)
class ListControls:
    """What a list page shows around its table: the filter form (its fields and current values), sort links,
    the total (an estimate when not exact), the next page's link and the download links of the filtered list."""

    spec: ListSpec
    values: dict[str, str]
    sorts: list[SortLink]
    total: int
    exact: bool
    next_url: str | None
    first_url: str | None
    csv_url: str
    xlsx_url: str
    shown: int
    omit: tuple[str, ...] = ()
    # The parties each party filter named, (id, name) by filter: the form says in words which party it is on.
    parties: Mapping[str, tuple[tuple[str, str], ...]] = field(default_factory=dict)


def _url(path: str, params: dict[str, str]) -> str:
    return path + ("?" + urlencode(params) if params else "")


def controls(request: Request, query: ListQuery, found: ListPage[Any],
             keep: dict[str, str] | None = None, omit: tuple[str, ...] = ()) -> ListControls:
    """The controls of a list page over `query` (the page's path; `keep` are the page's own parameters that
    are not the list's filters; `omit` the filters the form leaves out for this reader)."""
    spec = SPECS[query.kind]
    path = request.url.path
    base = {**(keep or {}), **filter_params(query)}
    sort = sort_param(query)
    ordered = {**base, "sort": sort} if sort != spec.sorts[0] or query.descending != spec.descending else base
    sorts = []
    for key in spec.sorts:
        current = key == query.sort
        # A click on the current column turns its order round; on another column, ascending (newest first for
        # a newest-first list's own key).
        descending = (not query.descending) if current else (spec.descending and key == spec.sorts[0])
        sorts.append(SortLink(key, _url(path, {**base, "sort": ("-" if descending else "") + key}), current,
                              query.descending if current else False))
    values = dict(base)
    # Names of the parties a filter is on, for readers of the register only: an exporter is not told which
    # parties have a name starting with what it typed.
    caller: Caller | None = getattr(request.state, "caller", None)
    named = found.parties if caller is not None and permits(caller.principal.role, Action.PARTIES_READ) else {}
    return ListControls(
        spec, values, sorts, found.total, found.exact,
        _url(path, {**ordered, "after": found.next_after}) if found.next_after else None,
        _url(path, ordered) if query.after is not None else None,
        _url(path, {**ordered, "format": "csv"}), _url(path, {**ordered, "format": "xlsx"}), len(found.items), omit,
        named)
