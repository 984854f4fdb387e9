"""Rendering pages: one Jinja2 environment, with the caller and the policy available to every template."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from endwatch.countries import country_name
from endwatch.services.authz import PUBLIC, Action, permits
from endwatch.web.security import Caller

HERE = Path(__file__).parent
templates = Jinja2Templates(directory=HERE / "templates")
templates.env.globals["country_name"] = country_name
templates.env.globals["Action"] = Action


def render(
    request: Request, name: str, context: dict[str, Any], *, status_code: int = 200,
    headers: dict[str, str] | None = None,
) -> HTMLResponse:
    """Render a page. Templates get `caller`, `can(action)` (for navigation only; routes enforce) and `csrf`."""
    caller: Caller = getattr(request.state, "caller", None) or Caller(PUBLIC)
    ctx = {
        "caller": caller,
        "user": caller.principal,
        "can": lambda action: permits(caller.principal.role, action),
        "csrf": caller.csrf_token,
        **context,
    }
    return templates.TemplateResponse(request, name, ctx, status_code=status_code, headers=headers)
