"""The REST API under /api/v1. Every route states its action through `requires`; record-level
visibility (exporters see only their own company's records) goes through services.authz."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Annotated, TypeVar

from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import BaseModel, Field, TypeAdapter

from endwatch.countries import country_name
from endwatch.domain.permits import Application, EndUseUndertaking
from endwatch.errors import InvalidInput, Problem
from endwatch.services.authz import PERMISSIONS, Action, check_visible, company_scope
from endwatch.services.detection.near import near_candidates
from endwatch.services.registry import queries
from endwatch.services.registry.applications import receive_application
from endwatch.services.registry.trace import trace_serial
from endwatch.services.reporting import lists, records
from endwatch.services.reporting import transparency as public
from endwatch.web.audit_checks import audit_checks
from endwatch.web.cache import cached_in_thread, request_version
from endwatch.web.errors import error_schema, links
from endwatch.web.fields import Identifier, IsoDate, Quantity, Text
from endwatch.web.listing import export_response, list_query, page_body
from endwatch.web.published import Kept, Published
from endwatch.web.schemas import (
    ApplicationOut,
    AuditEntryOut,
    ChainOut,
    DeliveryOut,
    MeOut,
    Page,
    PartyOut,
    PermitOut,
    PolicyOut,
    ProductOut,
    RowProblemOut,
    RowsOut,
    TraceOut,
    TransparencyOut,
)
from endwatch.web.security import Caller, endwatch_of, requires

router = APIRouter(prefix="/api/v1", responses=error_schema())

T = TypeVar("T")
Limit = Annotated[int, Query(ge=1, le=500, description="At most this many items.")]
Offset = Annotated[int, Query(ge=0, le=10**9, description="Skip this many items.")]
AsOf = Annotated[IsoDate | None, Query(description="Answer as things stood on this date; default today.")]


def page_of(items: Sequence[T], limit: int, offset: int) -> dict[str, object]:
    """One page of a list in the API's list shape."""
    return {"total": len(items), "limit": limit, "offset": offset, "items": list(items[offset : offset + limit])}


def _today(request: Request) -> date:
    return endwatch_of(request).today()


@router.get("/me", response_model=MeOut, summary="Who the caller is and what its role may do")
def me(caller: Annotated[Caller, Depends(requires(Action.DASHBOARD_READ))]) -> MeOut:
    p = caller.principal
    return MeOut(username=p.username, role=p.role.value, party_id=p.party_id,
                 actions=sorted(a.value for a in PERMISSIONS[p.role]))


@router.get("/parties", response_model=Page[PartyOut], summary="Parties, by id (filters: docs/api.md)")
def parties(request: Request, caller: Annotated[Caller, Depends(requires(Action.PARTIES_READ))],
            limit: Limit = 50, offset: Offset = 0) -> object:
    query = list_query(request, "parties", limit, offset)
    if (file := export_response(request, caller, query)) is not None:
        return file
    found = lists.page(endwatch_of(request).reader(), query, None)
    return page_body(found, [PartyOut.of(p) for p in found.items], limit, offset)


@router.get("/parties/{party_id}", response_model=PartyOut, summary="One party")
def party(request: Request, party_id: str,
          caller: Annotated[Caller, Depends(requires(Action.PARTIES_READ))]) -> PartyOut:
    return PartyOut.of(records.get_party(endwatch_of(request).reader(), party_id))


@router.get("/products", response_model=Page[ProductOut], summary="Products, by id (filters: docs/api.md)")
def products(request: Request, caller: Annotated[Caller, Depends(requires(Action.PRODUCTS_READ))],
             limit: Limit = 50, offset: Offset = 0) -> object:
    query = list_query(request, "products", limit, offset)
    if (file := export_response(request, caller, query)) is not None:
        return file
    found = lists.page(endwatch_of(request).reader(), query, None)
    return page_body(found, [ProductOut.of(p) for p in found.items], limit, offset)


@router.get("/products/{product_id}", response_model=ProductOut, summary="One product")
def product(request: Request, product_id: str,
            caller: Annotated[Caller, Depends(requires(Action.PRODUCTS_READ))]) -> ProductOut:
    return ProductOut.of(records.get_product(endwatch_of(request).reader(), product_id))


@router.get("/policies", response_model=Page[PolicyOut], summary="Destination policies")
def policies(request: Request, caller: Annotated[Caller, Depends(requires(Action.POLICIES_READ))],
             country: Annotated[str | None, Query(description="ISO 3166-1 alpha-2 code")] = None,
             limit: Limit = 50, offset: Offset = 0) -> dict[str, object]:
    found = queries.list_policies(endwatch_of(request).reader(), country)
    return page_of([PolicyOut.of(p) for p in found], limit, offset)


@router.get("/applications", response_model=Page[ApplicationOut],
            summary="Applications (exporters: their own; filters: docs/api.md)")
def applications(request: Request, caller: Annotated[Caller, Depends(requires(Action.APPLICATIONS_READ))],
                 limit: Limit = 50, offset: Offset = 0) -> object:
    query = list_query(request, "applications", limit, offset)
    if (file := export_response(request, caller, query)) is not None:
        return file
    found = lists.page(endwatch_of(request).reader(), query, company_scope(caller.principal))
    return page_body(found, [ApplicationOut.of(a) for a in found.items], limit, offset)


class ApplicationIn(BaseModel):
    """A new application. Exporter accounts may leave `exporter_id` out (their company is used) and may
    not name another company."""

    exporter_id: Identifier | None = None
    consignee_id: Identifier
    end_user_id: Identifier
    destination: str = Field(pattern="^[A-Z]{2}$", description="ISO 3166-1 alpha-2")
    product_id: Identifier
    quantity: Quantity
    end_use: Text = ""
    no_reexport: bool = Field(default=False, strict=True)


def submit_application(request: Request, caller: Caller, body: ApplicationIn) -> Application:
    """Register an application received today, with an opaque number (shared by the API and the form)."""
    ew = endwatch_of(request)
    exporter = body.exporter_id or caller.principal.party_id
    if not exporter:
        raise InvalidInput([Problem("exporter_id is required", column="exporter_id")])
    day = _today(request)
    application = Application(
        "", exporter, body.consignee_id, body.end_user_id, body.destination, body.product_id, body.quantity, day,
        EndUseUndertaking(body.end_use, body.no_reexport))
    return receive_application(ew.uow(), caller.principal, application,
                               reason="submitted through the web application", numbered=True)


@router.post("/applications", response_model=ApplicationOut, status_code=201,
             summary="Submit an application (exporters: for their own company)",
             openapi_extra=links("number", "number",
                                 ("GetApplication", "get", "/api/v1/applications/{number}"),
                                 ("GetAssessment", "get", "/api/v1/applications/{number}/assessment"),
                                 ("Decide", "post", "/api/v1/applications/{number}/decisions")))
def add_application(request: Request, body: ApplicationIn,
                    caller: Annotated[Caller, Depends(requires(Action.APPLICATIONS_SUBMIT))]) -> ApplicationOut:
    return ApplicationOut.of(submit_application(request, caller, body))


@router.get("/applications/{number}", response_model=ApplicationOut, summary="One application")
def application(request: Request, number: str,
                caller: Annotated[Caller, Depends(requires(Action.APPLICATIONS_READ))]) -> ApplicationOut:
    found = records.get_application(endwatch_of(request).reader(), number)
    check_visible(caller.principal, "application", number, found.exporter_id)
    return ApplicationOut.of(found)


@router.get("/permits", response_model=Page[PermitOut],
            summary="Permits as of a date (exporters: their own; filters: docs/api.md)")
def permits(request: Request, caller: Annotated[Caller, Depends(requires(Action.PERMITS_READ))],
            as_of: AsOf = None, include_future: bool = False,
            limit: Limit = 50, offset: Offset = 0) -> object:
    query = list_query(request, "permits", limit, offset)
    if (file := export_response(request, caller, query)) is not None:
        return file
    found = lists.permit_views(endwatch_of(request).reader(), query, company_scope(caller.principal),
                               _today(request))
    return page_body(found, [PermitOut.of(v) for v in found.items], limit, offset)


@router.get("/permits/{number}", response_model=PermitOut, summary="One permit as of a date")
def permit(request: Request, number: str, caller: Annotated[Caller, Depends(requires(Action.PERMITS_READ))],
           as_of: AsOf = None) -> PermitOut:
    view = queries.permit_as_of(endwatch_of(request).reader(), number, as_of or _today(request))
    check_visible(caller.principal, "permit", number, view.permit.exporter_id)
    return PermitOut.of(view)


@router.get("/deliveries", response_model=Page[DeliveryOut],
            summary="Delivered items (exporters: their own; filters: docs/api.md)")
def deliveries(request: Request, caller: Annotated[Caller, Depends(requires(Action.DELIVERIES_READ))],
               permit: Annotated[str | None, Query(description="Only items delivered under this permit")] = None,
               limit: Limit = 50, offset: Offset = 0) -> object:
    ew = endwatch_of(request)
    query = list_query(request, "deliveries", limit, offset)
    if permit is not None:
        # An unknown permit, or another company's, is not found (as the permit itself would be).
        check_visible(caller.principal, "permit", permit, records.permit_exporter(ew.reader(), permit))
    if (file := export_response(request, caller, query)) is not None:
        return file
    found = lists.page(ew.reader(), query, company_scope(caller.principal))
    return page_body(found, [DeliveryOut.of(r) for r in found.items], limit, offset)


# The bytes FastAPI itself would send for a TraceOut (its response_model fast path uses this same dump).
_TRACE_JSON = TypeAdapter(TraceOut)


@router.get("/trace", response_model=TraceOut, summary="Trace a serial number to its delivery, permit and parties")
async def trace(request: Request, caller: Annotated[Caller, Depends(requires(Action.TRACE))],
                serial: Annotated[str, Query(min_length=1, max_length=200)],
                manufacturer: Annotated[str | None, Query(max_length=300)] = None,
                model: Annotated[str | None, Query(max_length=300)] = None,
                as_of: AsOf = None) -> Response:
    # The hottest question: an answer is cached as its finished JSON, so a repeated one costs the state
    # version's one statement and no thread, validation or serialisation. The schema is still TraceOut's.
    day = as_of or _today(request)

    def compute() -> bytes:
        ew = endwatch_of(request)
        found = trace_serial(ew.reader(), serial, manufacturer=manufacturer, model=model, as_of=day)
        near = None
        if found.missed:  # only a miss pays for detection's tolerant matching (an item delivered later is no miss)
            with ew.reader() as uow:
                near = near_candidates(uow, serial, manufacturer or "", model or "")
        return _TRACE_JSON.dump_json(TraceOut.of(found, near))

    body = await cached_in_thread(request, ("trace", serial, manufacturer, model, day), compute)
    return Response(body, media_type="application/json")


@router.get("/audit", response_model=Page[AuditEntryOut],
            summary="The audit trail, newest first (filters: docs/api.md)")
def audit_entries(request: Request, caller: Annotated[Caller, Depends(requires(Action.AUDIT_READ))],
                  entity: Annotated[str | None, Query(max_length=100)] = None,
                  limit: Limit = 50, offset: Offset = 0) -> object:
    query = list_query(request, "audit", limit, offset)
    if (file := export_response(request, caller, query)) is not None:
        return file
    found = lists.page(endwatch_of(request).reader(), query, None)
    return page_body(found, [AuditEntryOut.of(e) for e in found.items], limit, offset)


@router.get("/audit/verify", response_model=ChainOut,
            summary="Verify the audit trail's hash chain and every registry row against it")
def audit_verify(request: Request, caller: Annotated[Caller, Depends(requires(Action.AUDIT_READ))]) -> ChainOut:
    # Checked now, every time (a row changed outside endwatch moves no state version); the page reuses it.
    report, rows = audit_checks(request, fresh=True)
    return ChainOut(ok=report.ok and rows.ok, entries=report.entries, first_bad=report.first_bad,
                    problem=report.problem, chain_ok=report.ok,
                    rows=RowsOut(ok=rows.ok, tables=rows.tables, rows=rows.rows, problems_total=len(rows.problems),
                                 problems=[RowProblemOut(table=p.table, key=p.key, what=p.what, seq=p.seq,
                                                         description=p.describe()) for p in rows.problems[:100]]))


@router.get("/transparency", response_model=Page[TransparencyOut],
            summary="Public aggregates: permits and deliveries by destination, control-list entry and year",
            openapi_extra={"security": [{}, {"HTTPBearer": []}]})  # public: a token is optional
def transparency(request: Request, caller: Annotated[Caller, Depends(requires(Action.TRANSPARENCY_READ))],
                 limit: Limit = 500, offset: Offset = 0) -> dict[str, object]:
    figures = public_figures(request)
    return page_of([TransparencyOut.of(r, country_name(r.destination), figures.published_through)
                    for r in figures.rows], limit, offset)


def public_figures(request: Request) -> public.Transparency:
    """The public figures as of today, with the authority's small-cell thresholds (shared with the pages)."""
    return kept_public_figures(request).value


def kept_public_figures(request: Request) -> Kept[public.Transparency]:
    """The public figures with when they were computed: kept per published period and small-cell rules, and
    refreshed in the background after a write (web/published.py), so no public request pays for a scan of the
    registry but the very first."""
    ew = endwatch_of(request)
    rules = public.SmallCells(ew.settings.min_cell_permits, ew.settings.min_cell_exporters)
    today = _today(request)
    published: Published[public.Transparency] = request.app.state.published
    return published.get(request_version(request), ("transparency", public.completed_through(today), rules),
                         lambda: public.transparency(ew.reader(), today, rules))
