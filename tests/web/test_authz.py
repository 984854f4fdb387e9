"""Authorisation, table-driven: for every role and every endpoint (API and pages), what the role may not
see or do is refused with 401/403/404 and no data; what it may see it gets, and exporters only their own."""

from __future__ import annotations

import json

from fastapi.routing import APIRoute
from tests.web.conftest import ACCOUNTS, Web

from endwatch.services.authz import PERMISSIONS, Action, Role
from endwatch.web import (
    api,
    api_cases,
    api_checks,
    api_partners,
    api_proposals,
    api_requests,
    api_screening,
    pages,
    pages_cases,
    pages_casework,
    pages_checks,
    pages_deliveries,
    pages_glossary,
    pages_intake,
    pages_partners,
    pages_requests,
    pages_screening,
    search,
)

PERMIT = "PERMIT-REDACTED-1"  # exporter: wescam
NO_EXCHANGE = "0" * 32  # no partner exchange exists in this world
APPLICATION = "APP-REDACTED-3"  # exporter: wescam, pending
SUSPEND = {"status": "suspended", "effective_on": "2026-11-22", "reason": "authorisation test", "reference": "T-1"}
PROPOSAL = {"action": "suspend", "on": "2020-10-03", "reason": "authorisation test", "reference": "T-1"}
CHECK = {"kind": "inventory", "permits": [PERMIT], "planned_on": "2020-10-05", "inspector": "authorisation test"}
SIGHTING = {"observed_on": "2020-10-01", "serial": "REDACTED-SN-1", "manufacturer": "L3 Wescam", "model": "CMX-15D",
            "country": "AZ", "observed_user": "Azerbaijani Air Force", "reliability": "B", "credibility": "2"}

# (method, path, action it needs, JSON body). Every API route appears here (checked below).
API: list[tuple[str, str, Action, dict[str, str] | None]] = [
    ("GET", "/api/v1/me", Action.DASHBOARD_READ, None),
    ("GET", "/api/v1/parties", Action.PARTIES_READ, None),
    ("GET", "/api/v1/parties/baykar", Action.PARTIES_READ, None),
    ("GET", "/api/v1/products", Action.PRODUCTS_READ, None),
    ("GET", "/api/v1/products/mx-15d", Action.PRODUCTS_READ, None),
    ("GET", "/api/v1/policies?country=TR", Action.POLICIES_READ, None),
    ("GET", "/api/v1/applications", Action.APPLICATIONS_READ, None),
    ("GET", f"/api/v1/applications/{APPLICATION}", Action.APPLICATIONS_READ, None),
    ("GET", "/api/v1/permits?as_of=2020-10-10", Action.PERMITS_READ, None),
    ("GET", f"/api/v1/permits/{PERMIT}?as_of=2020-10-10", Action.PERMITS_READ, None),
    ("POST", f"/api/v1/permits/{PERMIT}/status", Action.ENFORCEMENT_PROPOSE, SUSPEND),
    ("GET", "/api/v1/deliveries", Action.DELIVERIES_READ, None),
    ("GET", "/api/v1/trace?serial=REDACTED-SN-1&as_of=2020-10-10", Action.TRACE, None),
    ("GET", "/api/v1/search?q=PERMIT", Action.DASHBOARD_READ, None),
    ("GET", "/api/v1/audit", Action.AUDIT_READ, None),
    ("GET", "/api/v1/audit/verify", Action.AUDIT_READ, None),
    ("GET", "/api/v1/transparency", Action.TRANSPARENCY_READ, None),
    ("POST", "/api/v1/applications", Action.APPLICATIONS_SUBMIT, None),
    ("GET", "/api/v1/findings", Action.SIGHTINGS_READ, None),
    ("GET", "/api/v1/sightings", Action.SIGHTINGS_READ, None),
    ("GET", "/api/v1/outbox", Action.OUTBOX_READ, None),
    ("POST", "/api/v1/sightings", Action.SIGHTINGS_WRITE, SIGHTING),
    ("GET", "/api/v1/cases", Action.CASES_READ, None),
    ("GET", "/api/v1/cases/CASE-0001", Action.CASES_READ, None),
    ("GET", f"/api/v1/applications/{APPLICATION}/assessment?as_of=2020-10-02", Action.ASSESSMENTS_READ, None),
    ("POST", f"/api/v1/applications/{APPLICATION}/decisions", Action.APPLICATIONS_DECIDE,
     {"decision": "hold", "on": "2020-10-02", "reason": "authorisation test"}),
    ("POST", f"/api/v1/applications/{APPLICATION}/countersign", Action.APPLICATIONS_DECIDE,
     {"on": "2020-10-02", "reason": "authorisation test"}),
    ("GET", "/api/v1/cases/CASE-0001/preview?action=suspend&on=2020-10-03", Action.CASES_READ, None),
    ("GET", "/api/v1/inquiries", Action.INQUIRIES_READ, None),
    ("POST", "/api/v1/inquiries/1/answer", Action.INQUIRIES_ANSWER, {"text": "answer", "on": "2020-10-05"}),
    ("POST", "/api/v1/cases/CASE-0001/apply", Action.ENFORCEMENT_PROPOSE, None),  # withdrawn: always 409 four-eyes
    ("GET", "/api/v1/cases/CASE-0001/proposals", Action.CASES_READ, None),
    ("POST", "/api/v1/cases/CASE-0001/proposals", Action.ENFORCEMENT_PROPOSE, PROPOSAL),
    ("POST", "/api/v1/cases/CASE-0001/proposals/1/confirm", Action.ENFORCEMENT_DECIDE, None),
    ("POST", "/api/v1/cases/CASE-0001/proposals/1/reject", Action.ENFORCEMENT_DECIDE, {"reason": "authorisation test"}),
    ("POST", "/api/v1/cases/CASE-0001/proposals/1/withdraw", Action.ENFORCEMENT_PROPOSE, None),
    ("POST", f"/api/v1/permits/{PERMIT}/scheduled/cancel", Action.ENFORCEMENT_PROPOSE,
     {"effective_on": "2027-01-04", "reason": "authorisation test", "reference": "T-1"}),
    ("GET", "/api/v1/proposals", Action.CASES_READ, None),
    ("GET", "/api/v1/proposals/1", Action.CASES_READ, None),
    ("POST", "/api/v1/proposals/1/confirm", Action.ENFORCEMENT_DECIDE, None),
    ("POST", "/api/v1/proposals/1/reject", Action.ENFORCEMENT_DECIDE, {"reason": "authorisation test"}),
    ("POST", "/api/v1/proposals/1/withdraw", Action.ENFORCEMENT_PROPOSE, None),
    ("GET", "/api/v1/trace-requests", Action.TRACE_REQUESTS_READ, None),
    ("GET", "/api/v1/trace-requests/TR-2020-0001", Action.TRACE_REQUESTS_READ, None),
    ("GET", "/api/v1/trace-requests/report", Action.TRACE_REQUESTS_READ, None),
    ("POST", "/api/v1/trace-requests", Action.TRACE_REQUESTS_WRITE,
     {"direction": "outgoing", "counterpart_kind": "exporter", "party_id": "wescam", "question": "q",
      "serials": ["REDACTED-SN-1"]}),
    ("POST", "/api/v1/trace-requests/TR-2020-0001/answer", Action.TRACE_REQUESTS_ANSWER, {"text": "answer"}),
    ("POST", "/api/v1/trace-requests/TR-2020-0001/close", Action.TRACE_REQUESTS_WRITE, {"reason": "r"}),
    ("POST", "/api/v1/trace-requests/TR-2020-0001/link", Action.TRACE_REQUESTS_WRITE, {"case_id": "CASE-0001"}),
    ("POST", "/api/v1/trace-requests/TR-2020-0001/files", Action.TRACE_REQUESTS_ANSWER, None),
    ("GET", "/api/v1/screening/hits", Action.ASSESSMENTS_READ, None),
    ("GET", "/api/v1/partners", Action.PARTNERS_READ, None),
    ("GET", "/api/v1/partners/exchanges", Action.PARTNERS_READ, None),
    ("GET", f"/api/v1/partners/exchanges/{NO_EXCHANGE}", Action.PARTNERS_READ, None),
    ("GET", "/api/v1/checks/plan?as_of=2020-10-10", Action.CHECKS_READ, None),
    ("GET", "/api/v1/checks/series?from=2020-01-01", Action.CHECKS_READ, None),  # not an exporter (below)
    ("GET", "/api/v1/checks", Action.CHECKS_READ, None),
    ("GET", "/api/v1/checks/1", Action.CHECKS_READ, None),
    ("POST", "/api/v1/checks", Action.CHECKS_WRITE, CHECK),
    ("POST", "/api/v1/checks/1/result", Action.CHECKS_WRITE, {"done_on": "2020-10-05", "outcome": "favourable"}),
    ("POST", "/api/v1/checks/1/findings", Action.CHECKS_WRITE, None),
    ("POST", "/api/v1/screening/hits/baykar/NK-none/review", Action.SCREENING_REVIEW,
     {"verdict": "dismissed", "reason": "authorisation test"}),
]

PAGES: list[tuple[str, Action]] = [
    ("/", Action.DASHBOARD_READ),
    ("/trace?serial=REDACTED-SN-1", Action.TRACE),
    ("/applications", Action.APPLICATIONS_READ),
    (f"/applications/{APPLICATION}", Action.APPLICATIONS_READ),
    ("/permits", Action.PERMITS_READ),
    ("/deliveries", Action.DELIVERIES_READ),
    (f"/permits/{PERMIT}", Action.PERMITS_READ),
    ("/parties", Action.PARTIES_READ),
    ("/parties/baykar", Action.PARTIES_READ),
    ("/audit", Action.AUDIT_READ),
    ("/transparency", Action.TRANSPARENCY_READ),
    ("/map", Action.TRANSPARENCY_READ),
    ("/applications/new", Action.APPLICATIONS_SUBMIT),
    ("/sightings", Action.SIGHTINGS_READ),
    ("/findings", Action.SIGHTINGS_READ),
    ("/outbox", Action.OUTBOX_READ),
    ("/sightings/new", Action.SIGHTINGS_WRITE),
    ("/sightings/upload", Action.SIGHTINGS_WRITE),
    ("/cases", Action.CASES_READ),
    ("/proposals", Action.CASES_READ),
    ("/screening", Action.ASSESSMENTS_READ),
    ("/inquiries", Action.INQUIRIES_READ),
    ("/partners", Action.PARTNERS_READ),
    ("/trace-requests", Action.TRACE_REQUESTS_READ),
    ("/trace-requests/new", Action.TRACE_REQUESTS_WRITE),
    ("/trace-requests/report", Action.TRACE_REQUESTS_READ),
    ("/checks", Action.CHECKS_READ),
]

WHO: list[str | None] = [None, *ACCOUNTS]  # None: the public


def _role(who: str | None) -> Role:
    return Role.PUBLIC if who is None else ACCOUNTS[who][0]


def _refusal_has_no_data(body: dict[str, object]) -> bool:
    return set(body) <= {"code", "message", "problems", "rule", "records"}


def test_every_route_goes_through_the_one_authorisation_dependency() -> None:
    api_paths = set()
    for route in [*api.router.routes, *api_cases.router.routes, *api_proposals.router.routes, *pages.router.routes,
                  *pages_cases.router.routes, *search.router.routes, *api_screening.router.routes,
                  *pages_screening.router.routes, *pages_glossary.router.routes,
                  *pages_casework.router.routes, *pages_deliveries.router.routes, *api_partners.router.routes,
                  *pages_partners.router.routes, *api_requests.router.routes, *pages_requests.router.routes,
                  *pages_intake.router.routes, *api_checks.router.routes, *pages_checks.router.routes]:
        if not isinstance(route, APIRoute):
            continue
        actions = [d.call.endwatch_action for d in route.dependant.dependencies
                   if hasattr(d.call, "endwatch_action")]
        if route.path in ("/signin",):
            assert not actions  # the sign-in form is open to everyone, by design
            continue
        assert len(actions) == 1, f"{route.path} is not guarded by requires(action)"
        if route.path.startswith("/api/"):
            api_paths.add((sorted(route.methods)[0], route.path))
    tabled = {(m, p.split("?")[0]) for m, p, _, _ in API}
    assert len(tabled) == len(api_paths), "every API route must be in the table"


def test_api_table(web: Web) -> None:
    failures: list[str] = []
    # a diversion, so that CASE-0001 exists
    made = web.client.post("/api/v1/sightings", headers=web.as_("investigator"), json=SIGHTING)
    assert made.status_code == 201 and made.json()["verdict"] == "diversion" and made.json()["case_id"] == "CASE-0001"
    for who in WHO:
        role = _role(who)
        for method, path, action, body in API:
            if method == "POST" and action in PERMISSIONS[role]:
                continue  # writes that succeed are tested below (they change state)
            r = web.client.request(method, path, headers=web.as_(who), json=body)
            allowed = action in PERMISSIONS[role]
            if not allowed:
                expected = 401 if who is None else 403
                if r.status_code != expected or not _refusal_has_no_data(r.json()):
                    failures.append(f"{who or 'public'} {method} {path}: {r.status_code} {r.text[:120]}")
                continue
            if role is Role.EXPORTER and path.startswith("/api/v1/checks/series"):
                # The series counts every exporter's permits: an exporter is refused, whatever it may read.
                if r.status_code != 403 or not _refusal_has_no_data(r.json()):
                    failures.append(f"{who} {path}: expected 403, got {r.status_code}")
                continue
            foreign = who == "rival" and (PERMIT in path or APPLICATION in path)
            # No proposal, exchange or trace request exists in this world: past the authorisation check, a
            # reader is told so.
            foreign = foreign or path in ("/api/v1/proposals/1", f"/api/v1/partners/exchanges/{NO_EXCHANGE}",
                                          "/api/v1/trace-requests/TR-2020-0001", "/api/v1/checks/1")
            if foreign:
                if r.status_code != 404 or not _refusal_has_no_data(r.json()):
                    failures.append(f"{who} {path}: expected 404, got {r.status_code}")
                continue
            if r.status_code != 200:
                failures.append(f"{who or 'public'} {method} {path}: expected 200, got {r.status_code} {r.text[:120]}")
    assert not failures, "\n".join(failures)


def test_exporters_see_only_their_own_company(web: Web) -> None:
    for who, company, count in (("exporter", "wescam", 2), ("rival", "baykar", 0)):
        permits = web.client.get("/api/v1/permits?as_of=2021-01-01", headers=web.as_(who)).json()
        assert permits["total"] == count and all(p["exporter_id"] == company for p in permits["items"])
        apps = web.client.get("/api/v1/applications", headers=web.as_(who)).json()
        assert all(a["exporter_id"] == company for a in apps["items"])
        items = web.client.get("/api/v1/deliveries", headers=web.as_(who)).json()
        assert items["total"] == (1 if who == "exporter" else 0)
        r = web.client.get(f"/api/v1/deliveries?permit={PERMIT}", headers=web.as_(who))
        assert r.status_code == (200 if who == "exporter" else 404)
    # the officer sees every company's
    assert web.client.get("/api/v1/applications", headers=web.as_("officer")).json()["total"] >= 2


def test_writes_by_permitted_roles_and_refusals_change_nothing(web: Web) -> None:
    r = web.client.post(f"/api/v1/permits/{PERMIT}/status", headers=web.as_("auditor"), json=SUSPEND)
    assert r.status_code == 403
    assert web.client.get("/api/v1/audit/verify", headers=web.as_("auditor")).json()["ok"]
    entries_before = web.client.get("/api/v1/audit", headers=web.as_("auditor")).json()["total"]
    # the reference permit expired in 2021, so a suspension in 2026 is refused by a rule (409), nothing written,
    # whoever proposes it (an officer proposes; the approver's confirmation would apply it)
    for who in ("officer", "approver"):
        r = web.client.post(f"/api/v1/permits/{PERMIT}/status", headers=web.as_(who), json=SUSPEND)
        assert r.status_code == 409 and r.json()["rule"] == "effective-date" and "expired" in r.json()["message"]
    assert web.client.get("/api/v1/audit", headers=web.as_("auditor")).json()["total"] == entries_before


def test_pages_table(web: Web) -> None:
    failures: list[str] = []
    for who in WHO:
        role = _role(who)
        client = web.client
        if who is None:
            client.cookies.clear()
        else:
            web.sign_in(who)
        for path, action in PAGES:
            r = client.get(path, follow_redirects=False)
            allowed = action in PERMISSIONS[role]
            if not allowed:
                expected = 303 if who is None else 403
                leaked = PERMIT in r.text and "signin" not in r.headers.get("location", "")
                if r.status_code != expected or (who is not None and leaked):
                    failures.append(f"{who or 'public'} {path}: {r.status_code}")
                if who is None and not r.headers.get("location", "").startswith("/signin"):
                    failures.append(f"public {path}: not sent to sign in")
                continue
            foreign = who == "rival" and (PERMIT in path or APPLICATION in path)
            expected = 404 if foreign else 200
            if r.status_code != expected:
                failures.append(f"{who or 'public'} {path}: expected {expected}, got {r.status_code}")
    assert not failures, "\n".join(failures)


def test_exporter_pages_show_only_own_permits(web: Web) -> None:
    web.sign_in("rival")
    page = web.client.get("/permits?as_of=2021-01-01")
    assert page.status_code == 200 and PERMIT not in page.text
    web.sign_in("exporter")
    page = web.client.get("/permits?as_of=2021-01-01")
    assert PERMIT in page.text and "PERMIT-REDACTED-2" in page.text


def test_public_transparency_has_nothing_confidential(web: Web) -> None:
    web.client.cookies.clear()
    body = json.dumps(web.client.get("/api/v1/transparency").json())
    page = web.client.get("/transparency").text + web.client.get("/map").text
    for secret in ("wescam", "baykar", PERMIT, "REDACTED-SN-1", "tr-navy"):
        assert secret not in body and secret not in page.lower()
    assert '"destination": "TR"' in body
