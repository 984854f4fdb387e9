"""REST API over partner authorities and their private-set-intersection exchanges, read only (an exchange itself
is run with files on the command line, docs/monitoring.md): GET /api/v1/partners, /api/v1/partners/exchanges and
/api/v1/partners/exchanges/{exchange_id} (with the items it matched). For investigators, officers, auditors and
administrators (action partners.read); never exporters or the public."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request

from endwatch.services.authz import Action
from endwatch.services.monitoring import partners
from endwatch.web.errors import error_schema
from endwatch.web.fields import Identifier
from endwatch.web.security import Caller, endwatch_of, requires

router = APIRouter(prefix="/api/v1", responses=error_schema())
ExchangeId = Annotated[str, Path(pattern=r"^[0-9a-f]{32}$", description="The exchange's id (32 hexadecimal digits)")]


def defaults(request: Request) -> partners.Limits:
    s = endwatch_of(request).settings
    return partners.Limits(s.partner_max_items, s.partner_max_exchanges)


@router.get("/partners")
def list_partners(request: Request,
                  caller: Annotated[Caller, Depends(requires(Action.PARTNERS_READ))]) -> list[dict[str, Any]]:
    """Every partner authority, with the limits in force and its exchanges in the last 30 days."""
    views = partners.list_partners(endwatch_of(request).reader(), caller.principal, defaults(request))
    return [asdict(v.partner) | {"limits": asdict(v.limits), "exchanges_30_days": v.exchanges_in_window}
            for v in views]


@router.get("/partners/exchanges")
def list_exchanges(request: Request, caller: Annotated[Caller, Depends(requires(Action.PARTNERS_READ))],
                   partner: Annotated[Identifier | None, Query(description="Only this partner's")] = None,
                   ) -> list[dict[str, Any]]:
    """Every exchange logged, newest first: role, status, who and when, items sent and received, matches."""
    return [asdict(e) for e in partners.list_exchanges(endwatch_of(request).reader(), caller.principal, partner)]


@router.get("/partners/exchanges/{exchange_id}")
def exchange(request: Request, exchange_id: ExchangeId,
             caller: Annotated[Caller, Depends(requires(Action.PARTNERS_READ))]) -> dict[str, Any]:
    """One exchange and our items it matched: serial, permit, tier, and the trace request opened for each."""
    e, found = partners.exchange_matches(endwatch_of(request).reader(), caller.principal, exchange_id)
    return asdict(e) | {"matches": [asdict(m) for m in found]}
