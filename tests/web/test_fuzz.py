"""API fuzzing with schemathesis, in-process over ASGI, against /api/v1/openapi.json: no 5xx, and every
response (status code, content type, body) matches the document. Bounded examples keep it short.

It runs as an administrator (who may call everything) on a SQLite file with the reference case, and
once more as the public, so refusals are checked against the schema too."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
import schemathesis
from argon2 import PasswordHasher
from hypothesis import HealthCheck, given, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance
from tests.conftest import FIXED_NOW
from tests.principals import person

from endwatch.bootstrap import bootstrap
from endwatch.services.accounts import users
from endwatch.settings import load_settings
from endwatch.web.app import create_app
from endwatch_demo import reference_case

TOKENS: dict[str, str] = {}
KNOWN: dict[str, str] = {}  # keys of records the fixture made, by path parameter name
CALLS: Counter[tuple[str, str, int]] = Counter()  # (method, path, status) -> calls, for the report


@pytest.fixture(scope="module")
def api_schema(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    home = tmp_path_factory.mktemp("fuzz")
    settings_ = load_settings(home=home, database_url=f"sqlite:///{home / 'endwatch.db'}")
    ew = bootstrap(settings_, clock=lambda: FIXED_NOW)
    ew.migrate()
    # The record up to the eve of the suspension, so that a suspension can still be proposed below.
    reference_case.load(ew.uow(), person("fuzz"), until=reference_case.SUSPENSION_DAY - timedelta(days=1))
    saved = users._hasher
    users._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    try:
        users.add_user(ew.uow(), person("fuzz"), "fuzz-admin", "fuzz-password", "administrator")
    finally:
        users._hasher = saved
    TOKENS["admin"] = users.issue_token(ew.uow(), person("fuzz"), "fuzz-admin").secret
    app = create_app(settings_, endwatch=ew)
    from fastapi.testclient import TestClient

    with TestClient(app, base_url="https://testserver") as client:  # a diversion, so that CASE-0001 exists
        made = client.post("/api/v1/sightings", headers={"Authorization": f"Bearer {TOKENS['admin']}"}, json={
            "observed_on": "2020-10-01", "serial": "REDACTED-SN-1", "manufacturer": "L3 Wescam", "model": "CMX-15D",
            "country": "AZ", "observed_user": "Azerbaijani Air Force", "reliability": "B", "credibility": "2"})
        assert made.json()["case_id"] == "CASE-0001", made.text
    # An open proposal, so that the proposal endpoints have one to answer about.
    from endwatch.domain.permits import PermitStatus
    from endwatch.services.enforcement.proposals import propose_permit_status

    proposal = propose_permit_status(ew.uow(), person("fuzz-officer"), "PERMIT-REDACTED-2", PermitStatus.SUSPENDED,
                                     reference_case.SUSPENSION_DAY, "fuzz world", "FUZZ-1")
    KNOWN["proposal_id"] = str(proposal.id)
    # An open trace request, so that its endpoints have one to answer about.
    from endwatch.services.monitoring.requests import Draft, open_request

    KNOWN["reference"] = open_request(ew.uow(), person("fuzz-officer"), Draft(
        direction="outgoing", counterpart_kind="exporter", party_id="wescam", question="Where did it go?",
        serials=["REDACTED-SN-1"]), reference_case.SUSPENSION_DAY).reference
    # A check, so that the check endpoints have one to answer about.
    from endwatch.services.monitoring.checks import open_check
    from endwatch.services.monitoring.store import Check
    check = open_check(ew.uow(), person("fuzz-officer"), Check(None, "inventory", (("permit", "PERMIT-REDACTED-1"),),
                                                               reference_case.SUSPENSION_DAY, "fuzz world"))
    KNOWN["check_id"] = str(check.id)
    # A partner exchange started, so that its endpoint has one to answer about.
    from endwatch.services.monitoring import partners
    partners.add_partner(ew.uow(), person("fuzz-officer"), "partner-fuzz", "Fuzz partner")
    started = partners.export_keys(ew, person("fuzz-officer"), partners.Config("authority-fuzz", partners.Limits(
        4096, 4)), "partner-fuzz", home / "fuzz.key", home / "fuzz-request.json")
    KNOWN["exchange_id"] = started.exchange.id
    yield schemathesis.openapi.from_asgi("/api/v1/openapi.json", app)
    ew.close()


FUZZ = settings(max_examples=30, deadline=None, derandomize=True, database=None,
                suppress_health_check=list(HealthCheck))


def _runner(operation: Any, headers: dict[str, str], examples: int) -> Any:
    """A hypothesis test calling one operation with generated cases and validating each response."""

    @given(case=operation.as_strategy())
    @settings(FUZZ, max_examples=examples)
    def run(case: Any) -> None:
        # Semantic validation (a date in the future, an unknown country code, a serial with no readable
        # character) answers a documented 422 for requests the schema alone cannot rule out.
        response = case.call_and_validate(headers=headers, excluded_checks=[positive_data_acceptance])
        CALLS[(operation.method, operation.path, response.status_code)] += 1

    return run


def _fuzz(schema: Any, headers: dict[str, str], examples: int) -> list[str]:
    """Run every operation with generated cases; return the failures (each named by its operation)."""
    failures: list[str] = []
    for result in schema.get_all_operations():
        operation = result.ok()
        try:
            _runner(operation, headers, examples)()
        except Exception as exc:  # collect every operation's failure, not just the first
            failures.append(f"{operation.method.upper()} {operation.path}: {exc}")
    return failures


def test_api_as_administrator(api_schema: Any) -> None:
    failures = _fuzz(api_schema, {"Authorization": f"Bearer {TOKENS['admin']}"}, 30)
    assert not failures, "\n\n".join(failures)
    _check_every_operation_succeeded(api_schema)


def test_api_as_the_public(api_schema: Any) -> None:
    failures = _fuzz(api_schema, {}, 5)
    assert not failures, "\n\n".join(failures)


def _check_every_operation_succeeded(api_schema: Any) -> None:
    """Guards against a silent fuzz run: every operation answered 200 at least once and that answer
    matched the schema (random keys only find 404s, so known keys of the case are tried as well)."""
    known = {"number": "PERMIT-REDACTED-1", "party_id": "baykar", "product_id": "mx-15d", "case_id": "CASE-0001",
             **KNOWN}
    headers = {"Authorization": f"Bearer {TOKENS['admin']}"} if TOKENS else {}
    statuses: dict[tuple[str, str], set[int]] = {}
    for m, p, status in CALLS:
        statuses.setdefault((m, p), set()).add(status)
    for result in api_schema.get_all_operations():
        op = result.ok()
        if op.method == "get" and "{" in op.path:
            params = {k: v for k, v in known.items() if "{" + k + "}" in op.path}
            if "/applications/{number}" in op.path:
                params = {"number": "APP-REDACTED-3"}
            query = {"action": "suspend", "on": "2020-10-03"} if op.path.endswith("/preview") else None
            response = op.Case(path_parameters=params, query=query).call_and_validate(headers=headers)
            statuses.setdefault((op.method, op.path), set()).add(response.status_code)
    operations = {(r.ok().method, r.ok().path) for r in api_schema.get_all_operations()}
    never = sorted(o for o in operations if 200 not in statuses.get(o, set()) and o[0] == "get")
    assert not never, f"never answered 200: {never}"
