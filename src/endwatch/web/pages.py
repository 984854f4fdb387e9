"""Server-rendered pages. Each route states its action through `requires` (the same dependency as the API)."""

from __future__ import annotations

import hmac
import math
import secrets
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any
from urllib.parse import urlencode, urlparse

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from endwatch.bootstrap import Endwatch
from endwatch.countries import country_choices, country_name
from endwatch.domain.risk.recommend import assess_subject
from endwatch.errors import InvalidInput, Problem
from endwatch.services.accounts import users
from endwatch.services.accounts.users import USERNAME_RULE
from endwatch.services.assessment import assess as assessment
from endwatch.services.assessment import decisions, reassessment
from endwatch.services.assessment.store import WatchEntry
from endwatch.services.audit.verify import TAIL, history
from endwatch.services.authz import Action, check_visible, company_scope, permits
from endwatch.services.detection.near import near_candidates
from endwatch.services.enforcement import proposals as enforcement_proposals
from endwatch.services.monitoring import plan as check_plan
from endwatch.services.monitoring import requests_report
from endwatch.services.monitoring.store import SeriesDay
from endwatch.services.registry import queries
from endwatch.services.registry.parties import parties_for
from endwatch.services.registry.trace import trace_serial
from endwatch.services.reporting import dashboard as overview
from endwatch.services.reporting import lists, records
from endwatch.services.reporting.party_view import party_view
from endwatch.services.reporting.store import PERMIT_ROLES, ListQuery, Route, SeenWith
from endwatch.web import geo
from endwatch.web.api import ApplicationIn, kept_public_figures, public_figures, submit_application
from endwatch.web.audit_checks import audit_checks, last_full_check, tail_check
from endwatch.web.cache import cached
from endwatch.web.errors import CsrfRejected
from endwatch.web.fields import form_date, form_text, form_whole_number
from endwatch.web.listing import controls, export_response, list_query
from endwatch.web.pages_checks import recorded_year as series_of_year
from endwatch.web.render import render
from endwatch.web.security import SESSION_COOKIE, SIGNIN_COOKIE, Caller, endwatch_of, optional_caller, requires

router = APIRouter(include_in_schema=False)
PAGE = 50


def _today(request: Request) -> date:
    return endwatch_of(request).today()


# Rows a list page shows at once (its next link gives the following ones).
PAGE_SIZE = 50
# Records a dashboard box lists (its count is the whole number; the box links the full list).
DASHBOARD_ROWS = 20
# Delivered items a permit's page lists (the deliveries list, filtered by the permit, has them all).
PERMIT_ITEMS = 100


def _parse_day(text: str | None, request: Request) -> date:
    if not text:
        return _today(request)
    return form_date(text, "as_of")


def _cookie(response: Response, name: str, value: str, max_age: int | None = None) -> None:
    # Secure, HttpOnly, SameSite=Strict: never sent cross-site, never readable by scripts.
    response.set_cookie(name, value, max_age=max_age, httponly=True, secure=True, samesite="strict", path="/")


def _safe_next(target: str | None) -> str:
    # Only same-site relative paths, so the sign-in form cannot be used as an open redirect.
    # Browsers read a backslash as a slash, so "/\\evil.example" would leave the site too.
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    parsed = urlparse(target)
    return target if not parsed.scheme and not parsed.netloc else "/"


@router.get("/signin", response_class=HTMLResponse)
def signin_form(request: Request, caller: Annotated[Caller, Depends(optional_caller)],
                next: str | None = None) -> Response:
    token = secrets.token_urlsafe(24)
    response = render(request, "signin.html", {"next": _safe_next(next), "signin_token": token, "error": None})
    _cookie(response, SIGNIN_COOKIE, token, max_age=3600)
    return response


@router.post("/signin", response_class=HTMLResponse)
def signin(request: Request, caller: Annotated[Caller, Depends(optional_caller)],
           username: Annotated[str, Form(max_length=100)], password: Annotated[str, Form(max_length=1000)],
           signin_token: Annotated[str, Form()] = "", next: Annotated[str, Form()] = "/") -> Response:
    expected = request.cookies.get(SIGNIN_COOKIE, "")
    if not expected or not hmac.compare_digest(expected, signin_token):
        raise CsrfRejected("the sign-in form's security token is missing or stale; reload the page")
    form_text(username, USERNAME_RULE, "username")  # a NUL or a control character: 422 on every database
    limiter = request.app.state.signin_limiter
    address = request.client.host if request.client else "unknown"
    limiter.check(username, address)
    ew = endwatch_of(request)
    try:
        principal = users.authenticate(ew.reader(), username.strip(), password)
    except users.AuthenticationFailed as exc:
        limiter.failed(username)
        token = secrets.token_urlsafe(24)
        failed = render(request, "signin.html", {"next": _safe_next(next), "signin_token": token,
                                                 "error": exc.message}, status_code=401)
        _cookie(failed, SIGNIN_COOKIE, token, max_age=3600)
        return failed
    limiter.succeeded(username)
    session = users.start_session(ew.uow(), principal)
    response = RedirectResponse(_safe_next(next), status_code=303)
    _cookie(response, SESSION_COOKIE, session.cookie, max_age=int(users.SESSION_LIFETIME.total_seconds()))
    response.delete_cookie(SIGNIN_COOKIE, path="/")
    return response


@router.post("/signout")
def signout(request: Request, caller: Annotated[Caller, Depends(requires(Action.DASHBOARD_READ))]) -> Response:
    if caller.session is not None:
        users.end_session(endwatch_of(request).uow(), caller.session.cookie)
    response = RedirectResponse("/signin", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/", response_class=HTMLResponse)
def dashboard(request: Request, caller: Annotated[Caller, Depends(requires(Action.DASHBOARD_READ))]) -> Response:
    ew = endwatch_of(request)
    scope = company_scope(caller.principal)
    # Every card is one page of a list read in SQL with a capped count, never a table loaded and sliced.
    board = overview.dashboard(ew.reader(), _today(request), rows=DASHBOARD_ROWS, exporter=scope)
    pending, expiring = list(board.pending), list(board.expiring)
    own_permits: list[Any] = []
    own_total, own_exact = 0, True
    if caller.principal.party_id and scope is not None:
        own = lists.permit_views(ew.reader(), ListQuery("permits", {"as_of": board.as_of}, "issued_on", True, None, 0,
                                                        DASHBOARD_ROWS), scope, board.as_of)
        own_permits, own_total, own_exact = own.items, own.total, own.exact
    findings: list[Any] = []
    findings_total, findings_exact = 0, True
    open_cases: list[Any] = []
    awaiting: list[Any] = []
    open_total = 0
    if permits(caller.principal.role, Action.SIGHTINGS_READ):
        # The newest decisions that are not "consistent" (index on decided_at), with their total.
        flagged = lists.page(ew.reader(), ListQuery("findings", {"flagged": True}, "decided_at", True, None, 0,
                                                    DASHBOARD_ROWS), None)
        findings, findings_total, findings_exact = flagged.items, flagged.total, flagged.exact
    if permits(caller.principal.role, Action.CASES_READ):
        # The twenty most recent, counted in SQL (a registry may hold thousands of cases).
        open_page = lists.page(ew.reader(), ListQuery("cases", {"status": "open"}, "opened_on", True, None, 0,
                                                      DASHBOARD_ROWS), None)
        open_cases, open_total = open_page.items, open_page.total
        awaiting = enforcement_proposals.list_proposals(ew.reader(), open_only=True)
    recommendations: dict[str, str] = {}
    watch: list[WatchEntry] = []
    if permits(caller.principal.role, Action.ASSESSMENTS_READ) and pending:
        # The shown applications' recommendations today. Assessing reads the evidence (every permit, transfer and
        # conflict, and the parties they name), so it is done once per state version and day, not on every visit.
        def recommend() -> dict[str, str]:
            with ew.reader() as uow:
                world = assessment.load_world_for(uow, {a.number for a in pending})
            return {a.number: assess_subject(assessment.application_subject(world, a.number, board.as_of), world,
                                             board.as_of).recommendation.value for a in pending}
        recommendations = cached(request, ("dashboard-recommendations", board.as_of,
                                           tuple(a.number for a in pending)), recommend)
    if permits(caller.principal.role, Action.ASSESSMENTS_READ):
        watch = list(reversed(reassessment.watchlist(ew.reader())))[:20]
    work: check_plan.OverdueWork | None = None
    check_series: list[SeriesDay] | None = None
    if permits(caller.principal.role, Action.CHECKS_READ):
        # Overdue work by age and the overdue share: the plan (its items aggregated per permit in SQL) and late
        # checks counted in SQL, kept per state version, so a visit computes them only after a write.
        scope = company_scope(caller.principal)
        work, check_series = cached(request, ("overdue-work", board.as_of, scope),
                                    lambda: _overdue_work(ew, caller, board.as_of))
    waiting: list[Any] = []
    waiting_total = 0
    if permits(caller.principal.role, Action.INQUIRIES_READ):
        # One page of the unanswered inquiries (an exporter's own), newest first, and their count, in SQL.
        unanswered = lists.page(ew.reader(), ListQuery("inquiries", {"answered": "no"}, "asked_on", True, None, 0,
                                                       DASHBOARD_ROWS), company_scope(caller.principal))
        waiting, waiting_total = unanswered.items, unanswered.total
    # Trace requests awaiting an answer, by how late they are (an exporter: those addressed to it).
    traced = (requests_report.awaited(ew.reader(), caller.principal, board.as_of)
              if permits(caller.principal.role, Action.TRACE_REQUESTS_READ) else None)
    return render(request, "dashboard.html", {"board": board, "pending": pending, "expiring": expiring,
                                              "expiring_url": "/permits?" + urlencode({
                                                  "as_of": board.as_of.isoformat(), "state": "in_force",
                                                  "expires_to": (board.as_of + timedelta(days=90)).isoformat(),
                                                  "sort": "expires_on"}),
                                              "own_permits": own_permits, "own_total": own_total,
                                              "own_exact": own_exact, "findings": findings,
                                              "findings_total": findings_total, "findings_exact": findings_exact,
                                              "open_cases": open_cases, "open_total": open_total,
                                              "waiting": waiting, "waiting_total": waiting_total, "awaiting": awaiting,
                                              "recommendations": recommendations, "watch": watch,
                                              "work": work, "traced": traced,
                                              "series": check_series,
                                              "age_labels": [label for label, _, _ in check_plan.AGES]})


def _overdue_work(ew: Endwatch, caller: Caller, day: date) -> tuple[check_plan.OverdueWork, list[SeriesDay] | None]:
    """The overdue work as of `day` and, for the authority's readers, the recorded days of the year with `day`'s
    own figures last when the daily job has not recorded it yet (marked by no recorder)."""
    work = check_plan.overdue_work(ew.reader(), caller.principal, day)
    days = series_of_year(ew, caller, day)
    if days is not None and work.programme_from is not None and (not days or days[-1].day != day):
        days = [*days, SeriesDay(day, work.designated_items, work.designated_items_overdue, work.asked)]
    return work, days


@router.get("/trace", response_class=HTMLResponse)
def trace_page(request: Request, caller: Annotated[Caller, Depends(requires(Action.TRACE))],
               serial: Annotated[str, Query(max_length=200)] = "",
               manufacturer: Annotated[str, Query(max_length=300)] = "",
               model: Annotated[str, Query(max_length=300)] = "", as_of: str = "") -> Response:
    result = None
    error = None
    fuzzy = None
    if serial.strip():
        ew = endwatch_of(request)
        try:
            result = trace_serial(ew.reader(), serial, manufacturer=manufacturer or None,
                                  model=model or None, as_of=_parse_day(as_of, request))
        except InvalidInput as exc:
            error = exc.message
        # Candidates by detection's tolerant matching (equivalent characters, unreadable marks, one edit).
        with ew.reader() as uow:
            fuzzy = near_candidates(uow, serial, manufacturer, model)
    return render(request, "trace.html", {"serial": serial, "manufacturer": manufacturer, "model": model,
                                          "as_of": as_of, "result": result, "error": error, "fuzzy": fuzzy})


@router.get("/permits", response_class=HTMLResponse)
def permits_page(request: Request, caller: Annotated[Caller, Depends(requires(Action.PERMITS_READ))]) -> Response:
    # One page of the filtered list in SQL (never the whole table); `format=csv|xlsx` downloads all of it.
    query = list_query(request, "permits", PAGE_SIZE)
    if (file := export_response(request, caller, query)) is not None:
        return file
    found = lists.permit_views(endwatch_of(request).reader(), query, company_scope(caller.principal),
                               _today(request))
    day = query.filters.get("as_of") or _today(request)
    return render(request, "permits.html", {"views": found.items, "as_of": day,
                                            "controls": controls(request, query, found)})


@router.get("/permits/{number}", response_class=HTMLResponse)
def permit_page(request: Request, number: str, caller: Annotated[Caller, Depends(requires(Action.PERMITS_READ))],
                as_of: str = "") -> Response:
    ew = endwatch_of(request)
    view = queries.permit_as_of(ew.reader(), number, _parse_day(as_of, request))
    check_visible(caller.principal, "permit", number, view.permit.exporter_id)
    # The first items only (a permit may cover a hundred thousand): the rest through the deliveries list.
    items = lists.page(ew.reader(), ListQuery("deliveries", {"permit": number}, "delivered_on", False, None, 0,
                                              PERMIT_ITEMS), company_scope(caller.principal))
    entries = history(ew.reader, "permit", number) if permits(caller.principal.role, Action.AUDIT_READ) else []
    awaiting = [p for p in enforcement_proposals.list_proposals(ew.reader(), open_only=True) if number in p.permits]
    return render(request, "permit.html", {"view": view, "items": items.items, "items_page": items,
                                           "items_url": "/deliveries?" + urlencode({"permit": number}),
                                           "entries": entries,
                                           "statuses": ["suspended", "reinstated", "revoked", "cancelled"],
                                           "today": _today(request), "awaiting": awaiting})


@router.get("/applications", response_class=HTMLResponse)
def applications_page(request: Request,
                      caller: Annotated[Caller, Depends(requires(Action.APPLICATIONS_READ))]) -> Response:
    query = list_query(request, "applications", PAGE_SIZE)
    if (file := export_response(request, caller, query)) is not None:
        return file
    found = lists.page(endwatch_of(request).reader(), query, company_scope(caller.principal))
    return render(request, "applications.html", {"applications": found.items,
                                                 "controls": controls(request, query, found)})


@router.get("/applications/new", response_class=HTMLResponse)
def application_form(request: Request,
                     caller: Annotated[Caller, Depends(requires(Action.APPLICATIONS_SUBMIT))]) -> Response:
    with endwatch_of(request).reader() as uow:  # an exporter is offered only its own parties
        parties, products = parties_for(uow, caller.principal), uow.products.list()
    return render(request, "application_new.html", {"parties": parties, "products": products,
                                                    "countries": country_choices()})


@router.post("/applications/new")
def application_submit(request: Request,
                       caller: Annotated[Caller, Depends(requires(Action.APPLICATIONS_SUBMIT))],
                       consignee_id: Annotated[str, Form(max_length=100)],
                       end_user_id: Annotated[str, Form(max_length=100)],
                       destination: Annotated[str, Form(max_length=2)],
                       product_id: Annotated[str, Form(max_length=100)],
                       quantity: Annotated[str, Form(max_length=20)],
                       exporter_id: Annotated[str, Form(max_length=100)] = "",
                       end_use: Annotated[str, Form(max_length=2000)] = "",
                       no_reexport: Annotated[str, Form()] = "") -> Response:
    body = ApplicationIn.model_validate({
        "exporter_id": exporter_id or None, "consignee_id": consignee_id, "end_user_id": end_user_id,
        "destination": destination.strip().upper(), "product_id": product_id,
        "quantity": form_whole_number(quantity, "quantity"),
        "end_use": end_use, "no_reexport": bool(no_reexport)})
    application = submit_application(request, caller, body)
    return RedirectResponse(f"/applications/{application.number}", status_code=303)


@router.get("/applications/{number}", response_class=HTMLResponse)
def application_page(request: Request, number: str,
                     caller: Annotated[Caller, Depends(requires(Action.APPLICATIONS_READ))],
                     as_of: str = "") -> Response:
    """The application; for roles that may read assessments, its assessment indicator by indicator as of a
    date (computed on the fly, not stored) and its decisions, with the decision and countersign forms."""
    ew = endwatch_of(request)
    found = records.get_application(ew.reader(), number)
    check_visible(caller.principal, "application", number, found.exporter_id)
    day = _parse_day(as_of, request)
    result = None
    decided: list[object] = []
    if permits(caller.principal.role, Action.ASSESSMENTS_READ):
        with ew.reader() as uow:
            world = assessment.load_world(uow)
        result = assess_subject(assessment.application_subject(world, number, day), world, day)
        decided = list(decisions.list_decisions(ew.reader(), number))
    return render(request, "application.html", {"application": found, "assessment": result,
                                                "decisions": decided, "as_of": day})


@router.post("/applications/{number}/decision")
def application_decision(request: Request, number: str,
                         caller: Annotated[Caller, Depends(requires(Action.APPLICATIONS_DECIDE))],
                         decision: Annotated[str, Form()], on: Annotated[str, Form()],
                         reason: Annotated[str, Form(max_length=2000)] = "",
                         justification: Annotated[str, Form(max_length=4000)] = "") -> Response:
    """Decide (approve, deny, hold); an approval against the recommendation or under an exception
    waits for a second approver."""
    decisions.decide(endwatch_of(request).uow(), caller.principal, number, decision, reason=reason,
                     on=_parse_day(on, request), justification=justification or None)
    return RedirectResponse(f"/applications/{number}", status_code=303)


@router.post("/applications/{number}/countersign")
def application_countersign(request: Request, number: str,
                            caller: Annotated[Caller, Depends(requires(Action.APPLICATIONS_DECIDE))],
                            on: Annotated[str, Form()], reason: Annotated[str, Form(max_length=2000)] = "") -> Response:
    """The second signature on an approval awaiting it (someone other than the first approver)."""
    decisions.countersign(endwatch_of(request).uow(), caller.principal, number, reason=reason,
                          on=_parse_day(on, request))
    return RedirectResponse(f"/applications/{number}", status_code=303)


@router.get("/parties", response_class=HTMLResponse)
def parties_page(request: Request, caller: Annotated[Caller, Depends(requires(Action.PARTIES_READ))]) -> Response:
    query = list_query(request, "parties", PAGE_SIZE)
    if (file := export_response(request, caller, query)) is not None:
        return file
    found = lists.page(endwatch_of(request).reader(), query, None)
    return render(request, "parties.html", {"parties": found.items, "controls": controls(request, query, found)})


@router.get("/parties/{party_id}", response_class=HTMLResponse)
def party_page(request: Request, party_id: str,
               caller: Annotated[Caller, Depends(requires(Action.PARTIES_READ))]) -> Response:
    """The party, its permits counted by role with the newest listed, the commonest routes and (for roles that
    may see findings) where its items were seen with someone else: a few statements, however many records
    name the party; the filtered lists hold the rest."""
    ew = endwatch_of(request)
    view = party_view(ew.reader(), party_id, findings=permits(caller.principal.role, Action.SIGHTINGS_READ))
    entries = history(ew.reader, "party", party_id) if permits(caller.principal.role, Action.AUDIT_READ) else []
    role_lists = {role: "/permits?" + urlencode({role: party_id, "include_future": "true"}) for role in PERMIT_ROLES}
    return render(request, "party.html", {
        "party": view.party, "view": view, "permits": view.latest, "names": view.names, "known_names": view.names,
        "role_lists": role_lists, "seen_list": "/findings?" + urlencode({"observed_user": party_id}),
        "graph": _network(party_id, view.routes, view.names, view.seen_with), "entries": entries})


def _network(centre: str, routes: list[Route], names: dict[str, str], seen: list[SeenWith]) -> dict[str, object]:
    """Nodes (on a circle round the party) and edges exporter->consignee->end user of each route, and
    end user->observed user where an item was sighted with someone else."""
    edges: set[tuple[str, str, str]] = set()
    for r in routes:
        edges.add((r.exporter_id, r.consignee_id, "exports to"))
        if r.end_user_id != r.consignee_id:
            edges.add((r.consignee_id, r.end_user_id, "for end user"))
    for s in seen:
        edges.add((s.end_user_id, s.observed_user_id, "seen with"))
    others = sorted({n for e in edges for n in e[:2]} - {centre})
    pos = {centre: (300.0, 170.0)}
    for i, node in enumerate(others):
        angle = 2 * math.pi * i / max(1, len(others))
        pos[node] = (round(300 + 220 * math.cos(angle), 1), round(170 + 130 * math.sin(angle), 1))
    radius = {n: 12.0 if n == centre else 8.0 for n in pos}
    return {"nodes": [{"id": n, "name": names.get(n, n), "x": x, "y": y, "centre": n == centre}
                      for n, (x, y) in pos.items()],
            "edges": [{"start": _towards(pos[a], pos[b], radius[a] + 2),
                       "end": _towards(pos[b], pos[a], radius[b] + 3), "label": label, "seen": label == "seen with"}
                      for a, b, label in sorted(edges)]}


def _towards(point: tuple[float, float], other: tuple[float, float], gap: float) -> tuple[float, float]:
    """`point` moved `gap` towards `other`: lines stop at a node's rim, so arrowheads are not hidden under it."""
    dx, dy = other[0] - point[0], other[1] - point[1]
    length = math.hypot(dx, dy) or 1.0
    return (round(point[0] + dx * gap / length, 1), round(point[1] + dy * gap / length, 1))


@router.get("/audit", response_class=HTMLResponse)
def audit_page(request: Request, caller: Annotated[Caller, Depends(requires(Action.AUDIT_READ))],
               verify: str = "") -> Response:
    """The trail newest first (filters, keyset pages, downloads), with the chain's newest entries re-hashed on
    every state version (bounded); the whole chain and every audited row only on `verify=all` (the page's
    button; as `endwatch audit verify` and GET /api/v1/audit/verify), whose answer the page then shows until the
    next write."""
    if verify not in ("", "all"):
        raise InvalidInput([Problem(f"{verify!r} is not 'all'", column="query.verify")])
    query = list_query(request, "audit", PAGE_SIZE)
    if (file := export_response(request, caller, query)) is not None:
        return file
    found = lists.page(endwatch_of(request).reader(), query, None)
    full = audit_checks(request, fresh=True) if verify == "all" else last_full_check(request)
    chain, rows = full if full is not None else (tail_check(request), None)
    return render(request, "audit.html", {"entries": found.items, "chain": chain, "rows": rows,
                                          "full": full is not None, "tail": TAIL,
                                          "controls": controls(request, query, found, omit=())})


@router.get("/transparency", response_class=HTMLResponse)
def transparency_page(request: Request,
                      caller: Annotated[Caller, Depends(requires(Action.TRANSPARENCY_READ))]) -> Response:
    kept = kept_public_figures(request)
    totals = kept.value
    rows = totals.rows
    years = sorted(set(totals.permits_by_year) | set(totals.delivered_by_year))
    by_year = {y: [totals.permits_by_year.get(y, 0), totals.delivered_by_year.get(y, 0)] for y in years}
    top = max((max(v) for v in by_year.values()), default=0)
    destinations = sorted(totals.permits_by_destination.items(), key=lambda kv: (-kv[1], kv[0]))
    return render(request, "transparency.html", {
        "rows": rows, "years": years, "by_year": by_year, "top": top,
        "destinations": destinations, "country_name": country_name, "figures": totals,
        "computed_at": datetime.fromtimestamp(kept.computed_at, UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "refresh_minutes": max(1, round(request.app.state.published.refresh_seconds / 60)),
    })


@router.get("/map", response_class=HTMLResponse)
def map_page(request: Request, caller: Annotated[Caller, Depends(requires(Action.TRANSPARENCY_READ))],
             region: str = "world") -> Response:
    if region not in geo.REGIONS:
        raise InvalidInput([Problem(f"{region!r} is not one of {', '.join(geo.REGIONS)}", column="query.region")])
    totals = public_figures(request)
    counts: Counter[str] = Counter(totals.permits_by_destination)
    delivered: Counter[str] = Counter(totals.delivered_by_destination)
    top = max(counts.values(), default=0)
    shapes = [(s, geo.shade(counts[s.code], top)) for s in geo.shapes()]
    # Sightings are confidential: only roles that may read them see them on the map (counted in SQL).
    seen: Counter[str] = Counter()
    if permits(caller.principal.role, Action.SIGHTINGS_READ):
        seen.update(lists.sightings_by_country(endwatch_of(request).reader()))
    markers = [(s, seen[s.code]) for s in geo.shapes() if seen[s.code]]
    table = sorted(((code, counts[code], delivered[code], seen[code]) for code in set(counts) | set(delivered)
                    | set(seen)), key=lambda r: (-r[1], -r[3], r[0]))
    return render(request, "map.html", {"shapes": shapes, "counts": counts, "delivered": delivered,
                                        "through": totals.published_through, "markers": markers,
                                        "width": geo.WIDTH, "height": geo.HEIGHT, "viewbox": geo.viewbox(region),
                                        "region": region, "regions": geo.REGIONS, "legend": geo.legend(top),
                                        "table": table, "show_sightings": bool(markers)})
