"""REST API over detection, cases and assessments (under /api/v1), guarded by `requires` like the rest."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Header, Query, Request
from pydantic import BaseModel, Field

from endwatch.domain.risk.recommend import assess_subject
from endwatch.domain.sightings import Sighting
from endwatch.errors import RuleViolation
from endwatch.services.assessment import assess as assessment
from endwatch.services.assessment import decisions
from endwatch.services.audit.trail import snapshot
from endwatch.services.authz import Action, check_visible, company_scope
from endwatch.services.casefiles import timeline
from endwatch.services.casefiles.cases import case_file
from endwatch.services.casefiles.inquiries import answer
from endwatch.services.detection import intake
from endwatch.services.detection import run as detection
from endwatch.services.enforcement import decisions as enforcement
from endwatch.services.enforcement import scope as enforcement_scope
from endwatch.services.reporting import lists, records
from endwatch.web.api import AsOf, Limit, Offset
from endwatch.web.errors import error_schema
from endwatch.web.fields import AnswerText, Identifier, IsoDate, Justification, Name, Reason, SerialText, ShortText
from endwatch.web.listing import export_response, list_query, page_body
from endwatch.web.schemas import ErrorBody, Page
from endwatch.web.security import Caller, endwatch_of, requires

router = APIRouter(prefix="/api/v1", responses=error_schema())


class FindingOut(BaseModel):
    """A sighting's finding: verdict, confidence, match tier, the matched item, reasons, and its case."""

    sighting_id: str
    observed_on: date
    verdict: str
    confidence: str | None
    tier: str | None
    permit_number: str | None
    serial: str | None
    observed_user_id: str | None
    observed_country: str | None
    reasons: list[str]
    match: dict[str, Any] | None
    case_id: str | None
    decided_at: str

    @classmethod
    def of(cls, r: detection.DetectionResult) -> FindingOut:
        f = r.finding
        return cls(sighting_id=f.sighting_id, observed_on=f.observed_on, verdict=f.verdict, confidence=f.confidence,
                   tier=f.tier, permit_number=f.permit_number, serial=f.serial, observed_user_id=f.observed_user_id,
                   observed_country=f.observed_country, reasons=list(f.reasons), match=snapshot(r.match),
                   case_id=r.case_id, decided_at=f.decided_at)


class SightingIn(BaseModel):
    """A sighting as read from the field; it is decided at once."""

    observed_on: IsoDate
    serial: SerialText
    reliability: Literal["A", "B", "C", "D", "E", "F"] = Field(description="Source reliability (A best)")
    credibility: Literal["1", "2", "3", "4", "5", "6"] = Field(description="Information credibility (1 best)")
    place: ShortText = ""
    country: str | None = Field(default=None, pattern="^[A-Z]{2}$", description="ISO 3166-1 alpha-2")
    observed_user: Name = ""
    manufacturer: Name = ""
    model: Name = ""
    platform: Name = ""
    source: ShortText = ""


class CaseOut(BaseModel):
    id: str
    title: str
    status: str
    opened_on: date
    closed_on: date | None
    consignee_id: str | None
    observed_user_id: str | None
    opened_by: str
    summary: str


class CaseActionOut(BaseModel):
    id: int
    kind: str
    target: str
    reason: str
    status: str
    decided_at: str | None
    decided_by: str | None


class EventOut(BaseModel):
    on: date
    kind: str
    text: str


class CaseFileOut(CaseOut):
    actions: list[CaseActionOut]
    evidence: list[dict[str, Any]]
    timeline: list[EventOut]


class AssessmentOut(BaseModel):
    """An assessment computed on the fly as of a date (not stored): recommendation, conditions,
    conclusions and every indicator with its evidence."""

    application_number: str
    as_of: date
    recommendation: str
    conditions: list[str]
    conclusions: list[dict[str, Any]]
    indicators: list[dict[str, Any]]
    decisions: list[dict[str, Any]]


def _case(c: Any) -> dict[str, Any]:
    return {"id": c.id, "title": c.title, "status": c.status, "opened_on": c.opened_on, "closed_on": c.closed_on,
            "consignee_id": c.consignee_id, "observed_user_id": c.observed_user_id, "opened_by": c.opened_by,
            "summary": c.summary}


@router.get("/findings", response_model=Page[FindingOut],
            summary="Findings on sightings, newest first (filters: docs/api.md)")
def findings(request: Request, caller: Annotated[Caller, Depends(requires(Action.SIGHTINGS_READ))],
             verdict: Annotated[str | None, Query(max_length=20)] = None,
             limit: Limit = 50, offset: Offset = 0) -> object:
    query = list_query(request, "findings", limit, offset)
    if (file := export_response(request, caller, query)) is not None:
        return file
    found = lists.page(endwatch_of(request).reader(), query, None)
    return page_body(found, [FindingOut.of(r) for r in found.items], limit, offset)


class SightingOut(BaseModel):
    """A sighting as recorded, with its verdict (null while undecided) and the case it joined."""

    id: str
    observed_on: date
    serial: str
    reliability: str
    credibility: str
    place: str
    country: str | None
    observed_user: str
    manufacturer: str
    model: str
    platform: str
    source: str
    media: list[str]
    verdict: str | None
    confidence: str | None
    case_id: str | None

    @classmethod
    def of(cls, v: lists.SightingView) -> SightingOut:
        s, f = v.sighting, v.finding
        return cls(id=s.id, observed_on=s.observed_on, serial=s.serial, reliability=s.reliability,
                   credibility=s.credibility, place=s.place, country=s.country, observed_user=s.observed_user,
                   manufacturer=s.manufacturer, model=s.model, platform=s.platform, source=s.source,
                   media=list(s.media), verdict=f.verdict if f else None, confidence=f.confidence if f else None,
                   case_id=v.case_id)


@router.get("/sightings", response_model=Page[SightingOut],
            summary="Sightings, newest first, with their verdicts (filters: docs/api.md)")
def sighting_list(request: Request, caller: Annotated[Caller, Depends(requires(Action.SIGHTINGS_READ))],
                  limit: Limit = 50, offset: Offset = 0) -> object:
    query = list_query(request, "sightings", limit, offset)
    if (file := export_response(request, caller, query)) is not None:
        return file
    found = lists.page(endwatch_of(request).reader(), query, None)
    return page_body(found, [SightingOut.of(v) for v in found.items], limit, offset)


@router.post("/sightings", response_model=FindingOut, status_code=201,
             summary="Record a sighting and decide it at once, in one transaction; answers its finding",
             responses={409: {"model": ErrorBody, "description": "A rule refused it (idempotency-key: the key was"
                                                              " used for another sighting)"}})
def add_sighting(request: Request, body: SightingIn,
                 caller: Annotated[Caller, Depends(requires(Action.SIGHTINGS_WRITE))],
                 idempotency_key: Annotated[Identifier | None, Header(
                     alias="Idempotency-Key", description="A key of the client's choosing: the same request sent"
                     " again with it (after a lost answer) answers the sighting already recorded")] = None,
                 ) -> FindingOut:
    ew = endwatch_of(request)
    s = Sighting("", body.observed_on, body.serial, body.reliability, body.credibility,
                 body.place, body.country, body.observed_user, body.manufacturer,
                 body.model, body.platform, body.source)
    # The sighting and its decision in one write: a 503 means nothing was stored (services/detection/intake.py).
    done = intake.record_sighting(ew.uow(), caller.principal, s, reason="api", request_key=idempotency_key)
    assert done.result is not None  # the run decides the sighting it was started for
    return FindingOut.of(done.result)


@router.get("/cases", response_model=Page[CaseOut], summary="Cases, by id (filters: docs/api.md)")
def cases(request: Request, caller: Annotated[Caller, Depends(requires(Action.CASES_READ))],
          limit: Limit = 50, offset: Offset = 0) -> object:
    query = list_query(request, "cases", limit, offset)
    if (file := export_response(request, caller, query)) is not None:
        return file
    found = lists.page(endwatch_of(request).reader(), query, None)
    return page_body(found, [CaseOut(**_case(c)) for c in found.items], limit, offset)


@router.get("/cases/{case_id}", response_model=CaseFileOut, summary="One case: actions, evidence, timeline")
def case(request: Request, case_id: str,
         caller: Annotated[Caller, Depends(requires(Action.CASES_READ))]) -> CaseFileOut:
    ew = endwatch_of(request)
    cf = case_file(ew.reader(), case_id)
    events = timeline.case_timeline(ew.reader(), case_id)
    return CaseFileOut(
        **_case(cf.case),
        actions=[CaseActionOut(id=a.id, kind=a.kind, target=a.target, reason=a.reason, status=a.status,
                               decided_at=a.decided_at, decided_by=a.decided_by) for a in cf.actions],
        evidence=[{"sha256": e.sha256, "filename": e.filename, "description": e.description, "size": e.size,
                   "added_by": e.added_by, "added_at": e.added_at} for e in cf.evidence],
        timeline=[EventOut(on=e.on, kind=e.kind, text=e.text) for e in events],
    )


@router.get("/applications/{number}/assessment", response_model=AssessmentOut,
            summary="The application's assessment as of a date, indicator by indicator, with its decisions")
def application_assessment(request: Request, number: str,
                           caller: Annotated[Caller, Depends(requires(Action.ASSESSMENTS_READ))],
                           as_of: AsOf = None) -> AssessmentOut:
    ew = endwatch_of(request)
    app = records.get_application(ew.reader(), number)
    check_visible(caller.principal, "application", number, app.exporter_id)
    day = as_of or ew.today()
    with ew.reader() as uow:
        world = assessment.load_world(uow)
    result = assess_subject(assessment.application_subject(world, number, day), world, day)
    return AssessmentOut(
        application_number=number, as_of=day, recommendation=result.recommendation.value,
        conditions=[c.value for c in result.conditions], conclusions=snapshot(result.conclusions),
        indicators=snapshot(result.indicators),
        decisions=snapshot(decisions.list_decisions(ew.reader(), number)),
    )


class DecisionIn(BaseModel):
    """A decision on a pending application, assessed as of `on`."""

    decision: Literal["approve", "deny", "hold"]
    on: IsoDate
    reason: Reason
    justification: Justification | None = None


class CountersignIn(BaseModel):
    on: IsoDate
    reason: Reason


class DecisionOut(BaseModel):
    id: int | None
    application_number: str
    decision: str
    state: str
    decided_on: date
    decided_by: str
    reason: str
    recommendation: str
    needs_second: bool
    justification: str | None
    second_by: str | None


def _decision(d: Any) -> DecisionOut:
    return DecisionOut(id=d.id, application_number=d.application_number, decision=d.decision, state=d.state,
                       decided_on=d.decided_on, decided_by=d.decided_by, reason=d.reason,
                       recommendation=d.recommendation, needs_second=d.needs_second, justification=d.justification,
                       second_by=d.second_by)


@router.post("/applications/{number}/decisions", response_model=DecisionOut, status_code=201,
             summary="Decide an application (approvals against the recommendation await a second approver)",
             responses={409: {"model": ErrorBody, "description": "The application is already decided"}})
def decide(request: Request, number: str, body: DecisionIn,
           caller: Annotated[Caller, Depends(requires(Action.APPLICATIONS_DECIDE))]) -> DecisionOut:
    return _decision(decisions.decide(endwatch_of(request).uow(), caller.principal, number, body.decision,
                                      reason=body.reason, on=body.on, justification=body.justification))


@router.post("/applications/{number}/countersign", response_model=DecisionOut,
             summary="The second approver's signature (someone other than the first)",
             responses={409: {"model": ErrorBody, "description": "Nothing awaits a second signature, or same person"}})
def countersign(request: Request, number: str, body: CountersignIn,
                caller: Annotated[Caller, Depends(requires(Action.APPLICATIONS_DECIDE))]) -> DecisionOut:
    return _decision(decisions.countersign(endwatch_of(request).uow(), caller.principal, number,
                                           reason=body.reason, on=body.on))


class ImpactOut(BaseModel):
    permit: str
    state: str
    delivered: int
    remaining: int
    effect: str
    problem: str | None
    supersedes: list[str] = Field(default_factory=list,
                                  description="Scheduled events of the permit the decision makes impossible")


class PreviewOut(BaseModel):
    action: str
    effective_on: date
    permits: list[ImpactOut]
    skipped: list[list[str]]
    applications_on_hold: list[str]
    exporters_notified: list[str]
    applied: bool
    decision_id: int | None = None


def preview_out(pv: Any, applied: bool, decision_id: int | None = None) -> PreviewOut:
    """The API's form of an enforcement preview (or of what an applied decision did)."""
    return PreviewOut(
        action=pv.action.value, effective_on=pv.effective_on,
        permits=[ImpactOut(permit=i.permit.number, state=i.state.value, delivered=i.delivered, remaining=i.remaining,
                           effect=i.blocks, problem=i.problem, supersedes=i.superseded_text) for i in pv.permits],
        skipped=[list(x) for x in pv.skipped], applications_on_hold=[a.number for a in pv.applications],
        exporters_notified=list(pv.exporters), applied=applied, decision_id=decision_id)


@router.get("/cases/{case_id}/preview", response_model=PreviewOut,
            summary="What applying the case's recommendations would do (nothing is written)")
def case_preview(request: Request, case_id: str, caller: Annotated[Caller, Depends(requires(Action.CASES_READ))],
                 action: Literal["suspend", "reinstate", "revoke"], on: date) -> PreviewOut:
    ew = endwatch_of(request)
    case_file(ew.reader(), case_id)  # NotFound for an unknown case
    pv = enforcement.preview(ew.reader(), enforcement_scope.Scope(case=case_id), enforcement_scope.Action(action), on,
                             hold_applications=True)
    return preview_out(pv, False)


@router.post("/cases/{case_id}/apply", deprecated=True,
             summary="Withdrawn: a case's decision takes two people (use /cases/{case_id}/proposals)",
             responses={409: {"model": ErrorBody, "description": "Always: rule four-eyes, with where to go instead"}})
def case_apply(request: Request, case_id: str,
               caller: Annotated[Caller, Depends(requires(Action.ENFORCEMENT_PROPOSE))]) -> None:
    """Kept so that a client of the old single-signature endpoint gets a clear refusal rather than a 404."""
    raise RuleViolation("four-eyes", "a case's enforcement decision is no longer applied by one person through the "
                        f"API: propose it with POST /api/v1/cases/{case_id}/proposals, and a different person "
                        "with enforcement.decide confirms it with POST .../proposals/{proposal_id}/confirm",
                        [f"case {case_id}"])


class InquiryOut(BaseModel):
    """A question put to a party about a case; exporters see only those addressed to their company,
    without the case."""

    id: int | None
    to_party: str
    question: str
    asked_on: date
    answer: str | None
    answered_on: date | None
    case_id: str | None


class AnswerIn(BaseModel):
    text: AnswerText
    on: IsoDate


def _inquiry(q: Any, show_case: bool) -> InquiryOut:
    return InquiryOut(id=q.id, to_party=q.to_party, question=q.question, asked_on=q.asked_on, answer=q.answer,
                      answered_on=q.answered_on, case_id=q.case_id if show_case else None)


@router.get("/inquiries", response_model=Page[InquiryOut],
             summary="Inquiries, newest first (exporters: those addressed to them; filters: docs/api.md)")
def inquiries(request: Request, caller: Annotated[Caller, Depends(requires(Action.INQUIRIES_READ))],
              limit: Limit = 50, offset: Offset = 0) -> object:
    scope = company_scope(caller.principal)
    query = list_query(request, "inquiries", limit, offset)
    if (file := export_response(request, caller, query)) is not None:
        return file
    found = lists.page(endwatch_of(request).reader(), query, scope)
    return page_body(found, [_inquiry(q, scope is None) for q in found.items], limit, offset)


class OutboxOut(BaseModel):
    """A notification in the outbox: to whom, about what, and whether it was sent."""

    id: int | None
    message_id: str
    kind: str
    party_id: str | None
    to_address: str
    case_id: str | None
    subject: str
    body: str
    status: str
    attempts: int
    created_at: str
    next_attempt_at: str
    sent_at: str | None
    last_error: str | None


@router.get("/outbox", response_model=Page[OutboxOut],
            summary="The notification outbox, oldest first (filters: docs/api.md)")
def outbox(request: Request, caller: Annotated[Caller, Depends(requires(Action.OUTBOX_READ))],
           limit: Limit = 50, offset: Offset = 0) -> object:
    query = list_query(request, "outbox", limit, offset)
    if (file := export_response(request, caller, query)) is not None:
        return file
    found = lists.page(endwatch_of(request).reader(), query, None)
    return page_body(found, [OutboxOut(**{k: getattr(m, k) for k in OutboxOut.model_fields}) for m in found.items],
                     limit, offset)


@router.post("/inquiries/{inquiry_id}/answer", response_model=InquiryOut,
             summary="Answer an inquiry addressed to the caller's company",
             responses={409: {"model": ErrorBody, "description": "Already answered"}})
def answer_inquiry(request: Request, inquiry_id: int, body: AnswerIn,
                   caller: Annotated[Caller, Depends(requires(Action.INQUIRIES_ANSWER))]) -> InquiryOut:
    ew = endwatch_of(request)
    scope = company_scope(caller.principal)
    records.inquiry_for(ew.reader(), inquiry_id, scope)
    return _inquiry(answer(ew.uow(), caller.principal, inquiry_id, body.text, body.on),
                    scope is None)
