"""Rendering pages: one Jinja2 environment, with the caller and the policy available to every template."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from markupsafe import Markup

from endwatch.countries import country_name
from endwatch.services.authz import PUBLIC, Action, permits
from endwatch.services.reporting.party_view import party_names
from endwatch.web.cache import cached
from endwatch.web.security import Caller, endwatch_of
from endwatch.web.words import Names, plain, record_link

HERE = Path(__file__).parent
templates = Jinja2Templates(directory=HERE / "templates")
templates.env.globals["country_name"] = country_name
templates.env.globals["Action"] = Action
templates.env.filters["plain"] = plain

# Which page each kind of record has, and the action needed to read it.
_PAGES = {"party": ("/parties/", Action.PARTIES_READ), "permit": ("/permits/", Action.PERMITS_READ),
          "application": ("/applications/", Action.APPLICATIONS_READ),
          "sighting": ("/sightings/", Action.SIGHTINGS_READ), "case": ("/cases/", Action.CASES_READ)}


def render(
    request: Request, name: str, context: dict[str, Any], *, status_code: int = 200,
    headers: dict[str, str] | None = None,
) -> HTMLResponse:
    """Render a page. Templates get `caller`, `can(action)` (for navigation only; routes enforce) and `csrf`."""
    caller: Caller = getattr(request.state, "caller", None) or Caller(PUBLIC)

    def can(action: Action) -> bool:
        return permits(caller.principal.role, action)

    def link(kind: str, key: str | None, text: str | None = None) -> Markup:
        """A record named in a page, linked to its own page when the caller may read it (id as tooltip)."""
        if not key:
            return Markup("")
        prefix, action = _PAGES[kind]
        return record_link(prefix + quote(key, safe="") if can(action) else None, text or key, key)

    # The names of the parties the page shows only, read in one statement once it is rendered (never every
    # party's: a registry holds tens of thousands) and kept for the state version by the ids asked, so a page
    # read again reads none; a page that read the names of the few parties it shows passes them as
    # `known_names`, and nothing more is read.
    names = Names(lambda ids: cached(request, ("party-names", *ids),
                                     lambda: party_names(endwatch_of(request).reader(), ids)),
                  context.get("known_names"))
    ctx = {
        "link": link,
        "party_name": names,
        "party_link": lambda key: link("party", key, names(key)),
        "caller": caller,
        "user": caller.principal,
        "can": can,
        "csrf": caller.csrf_token,
        **context,
    }
    response = templates.TemplateResponse(request, name, ctx, status_code=status_code, headers=headers)
    if names.pending:
        response.body = names.fill(bytes(response.body).decode("utf-8")).encode("utf-8")
        response.headers["content-length"] = str(len(response.body))
    return response
