"""REST API over end-use checks: the plan (GET /api/v1/checks/plan), its figures recorded day by day
(GET /api/v1/checks/series), checks (GET /api/v1/checks, GET and POST), a
check's result (POST /api/v1/checks/{id}/result) with its reconciliation (GET /api/v1/checks/{id}) and filing its
findings (POST /api/v1/checks/{id}/findings). Reads need checks.read (an exporter sees only checks on its own
permits and applications), writes checks.write; the public nothing. Every write goes through the services."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date, timedelta
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from endwatch.services.authz import Action
from endwatch.services.monitoring import checks, reconcile, series
from endwatch.services.monitoring import plan as plans
from endwatch.services.monitoring.store import Check, FoundItem
from endwatch.web.errors import error_schema
from endwatch.web.security import Caller, endwatch_of, requires

router = APIRouter(prefix="/api/v1", responses=error_schema())
CheckId = Annotated[int, Path(ge=1, le=2**62, description="The check's number")]


def check_json(c: Check) -> dict[str, Any]:
    """A check as JSON: its subjects split into permits and applications."""
    return {"id": c.id, "kind": c.kind, "permits": [k for s, k in c.subjects if s == "permit"],
            "applications": [k for s, k in c.subjects if s == "application"], "planned_on": c.planned_on,
            "done_on": c.done_on, "inspector": c.inspector, "place": c.place, "by_authority": c.by_authority,
            "reliability": c.reliability, "credibility": c.credibility, "outcome": c.outcome, "reasons": c.reasons}


def reconciliation_json(rec: reconcile.Reconciliation) -> dict[str, Any]:
    return {"check": check_json(rec.check), "on": rec.on, "counts": rec.counts(),
            "lines": [asdict(line) for line in rec.lines]}


class NewCheck(BaseModel):
    """A check to plan."""

    model_config = ConfigDict(extra="forbid")
    kind: Literal["pre-licence", "pre-shipment", "post-shipment", "inventory"]
    permits: list[Annotated[str, Field(max_length=100)]] = Field(default_factory=list, max_length=1000)
    applications: list[Annotated[str, Field(max_length=100)]] = Field(default_factory=list, max_length=1000)
    planned_on: date
    inspector: str = Field(max_length=300)
    place: str = Field("", max_length=2000)
    by_authority: bool = True
    reliability: str = Field("A", max_length=1)
    credibility: str = Field("1", max_length=1)


class Item(BaseModel):
    """One item a check found."""

    model_config = ConfigDict(extra="forbid")
    serial: str = Field(max_length=100)
    model: str = Field("", max_length=200)
    place: str = Field("", max_length=2000)
    user_id: str | None = Field(None, max_length=100)
    user: str = Field("", max_length=300)
    condition: str = Field("", max_length=100)


class Result(BaseModel):
    """What a check found and its outcome."""

    model_config = ConfigDict(extra="forbid")
    done_on: date
    outcome: Literal["favourable", "unfavourable"]
    reasons: str = Field("", max_length=10000)
    items: list[Item] = Field(default_factory=list, max_length=100_000)
    sightings: list[Annotated[str, Field(max_length=100)]] = Field(default_factory=list, max_length=10_000)


@router.get("/checks/plan")
def plan(request: Request, caller: Annotated[Caller, Depends(requires(Action.CHECKS_READ))],
         as_of: Annotated[date | None, Query(description="The day (default today)")] = None) -> dict[str, Any]:
    """The checks the programme in force asks for on the day: overdue, due and coming, by destination and end
    user; overdue checks by age; the share of designated items whose inventory is overdue."""
    ew = endwatch_of(request)
    p = plans.plan(ew.reader(), caller.principal, as_of or ew.today())
    return {"as_of": p.as_of, "programme_from": p.programme_from, "checks": plans.rows(p.checks),
            "overdue_by_age": dict(plans.overdue_by_age(p)), "designated_items": p.designated_items,
            "designated_items_overdue": p.designated_items_overdue, "overdue_share": p.overdue_share}


@router.get("/checks/series")
def check_series(request: Request, caller: Annotated[Caller, Depends(requires(Action.CHECKS_READ))],
                 start: Annotated[date | None, Query(alias="from", description="First day (default a year before"
                                                                               " `to`)")] = None,
                 end: Annotated[date | None, Query(alias="to", description="Last day (default today)")] = None
                 ) -> dict[str, Any]:
    """The plan's figures recorded day by day (`endwatch checks record`) from `from` to `to`: designated items,
    those whose inventory was overdue and their share, overdue checks by age. The authority's readers only (an
    exporter is refused: the figures count every exporter's permits)."""
    ew = endwatch_of(request)
    last = end or ew.today()
    first = start or max(series.FIRST, last - timedelta(days=365))
    days = series.series(ew.reader(), caller.principal, first, last)
    return {"from": first, "to": last, "days": [
        {"day": d.day, "designated_items": d.designated_items, "designated_items_overdue": d.designated_items_overdue,
         "overdue_share": d.overdue_share,
         "overdue_by_age": dict(zip([label for label, _, _ in plans.AGES], d.overdue_by_age, strict=True)),
         "recorded_by": d.recorded_by, "recorded_at": d.recorded_at} for d in days]}


@router.get("/checks")
def list_checks(request: Request, caller: Annotated[Caller, Depends(requires(Action.CHECKS_READ))]
                ) -> list[dict[str, Any]]:
    """Every check the caller may see, latest planned first."""
    return [check_json(c) for c in checks.list_checks(endwatch_of(request).reader(), caller.principal)]


@router.post("/checks", status_code=201)
def open_check(request: Request, body: NewCheck,
               caller: Annotated[Caller, Depends(requires(Action.CHECKS_WRITE))]) -> dict[str, Any]:
    """Plan a check."""
    subjects = tuple([("permit", p) for p in body.permits] + [("application", a) for a in body.applications])
    made = checks.open_check(endwatch_of(request).uow(), caller.principal, Check(
        None, body.kind, subjects, body.planned_on, body.inspector, body.place, body.by_authority, body.reliability,
        body.credibility))
    return check_json(made)


@router.get("/checks/{check_id}")
def get_check(request: Request, check_id: CheckId,
              caller: Annotated[Caller, Depends(requires(Action.CHECKS_READ))]) -> dict[str, Any]:
    """A check and its reconciliation per permit."""
    return reconciliation_json(reconcile.reconcile(endwatch_of(request).reader(), caller.principal, check_id))


@router.post("/checks/{check_id}/result")
def record_result(request: Request, check_id: CheckId, body: Result,
                  caller: Annotated[Caller, Depends(requires(Action.CHECKS_WRITE))]) -> dict[str, Any]:
    """Record what a check found (items, and sightings whose items it found) and its outcome; the reconciliation."""
    from endwatch.services.monitoring import found

    ew = endwatch_of(request)
    items = [FoundItem(i.serial, i.model, i.place, i.user_id or None, i.user, i.condition) for i in body.items]
    if body.sightings:
        items += found.from_sightings(ew.reader(), body.sightings)
    checks.record_result(ew.uow(), caller.principal, check_id, body.done_on, body.outcome, body.reasons, items)
    return reconciliation_json(reconcile.reconcile(ew.reader(), caller.principal, check_id))


@router.post("/checks/{check_id}/findings")
def file_findings(request: Request, check_id: CheckId,
                  caller: Annotated[Caller, Depends(requires(Action.CHECKS_WRITE))]) -> dict[str, Any]:
    """Record the unverified items of a done check as sightings and decide them with detection's rules."""
    filed = reconcile.file_findings(endwatch_of(request).uow(), caller.principal, check_id)
    results = [r for r in (filed.run.results if filed.run else []) if r.finding.sighting_id in filed.sightings]
    return {"sightings": filed.sightings, "cases_opened": filed.run.cases_opened if filed.run else [],
            "findings": [{"sighting": r.finding.sighting_id, "verdict": r.finding.verdict,
                          "confidence": r.finding.confidence, "permit": r.finding.permit_number, "case": r.case_id}
                         for r in results]}
