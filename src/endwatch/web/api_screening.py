"""REST API over screening hits and their reviews: GET /api/v1/screening/hits lists the hits (with the
review in force), POST /api/v1/screening/hits/{party_id}/{entity_id}/review confirms or dismisses one with a
reason (services/assessment/screening_review.py; four eyes for a dismissal where the authority says so)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Depends, Path, Request
from pydantic import BaseModel

from endwatch.services.assessment import screening, screening_review
from endwatch.services.authz import Action
from endwatch.web.errors import error_schema
from endwatch.web.fields import Reason
from endwatch.web.security import Caller, endwatch_of, requires

router = APIRouter(prefix="/api/v1", responses=error_schema())
PartyId = Annotated[str, Path(min_length=1, max_length=100, description="The party's id")]
EntityId = Annotated[str, Path(min_length=1, max_length=300, description="The listed entity's id")]


class ReviewIn(BaseModel):
    """An officer's verdict on a hit."""

    verdict: Literal["confirmed", "dismissed"]
    reason: Reason


class ReviewOut(BaseModel):
    id: int | None
    party_id: str
    entity_id: str
    verdict: str
    reason: str
    state: Literal["in force", "awaiting second"]
    reviewed_by: str
    reviewed_at: str
    second_by: str | None
    second_at: str | None


@router.get("/screening/hits")
def hits(request: Request,
         caller: Annotated[Caller, Depends(requires(Action.ASSESSMENTS_READ))]) -> list[dict[str, Any]]:
    """Every screening hit, with the review in force (`review`: confirmed, dismissed or empty)."""
    return [{"hit": screening_review.hit_key(h), **{k: (v.isoformat() if hasattr(v, "isoformat") else v)
                                                      for k, v in vars(h).items()}}
            for h in screening.list_hits(endwatch_of(request).reader())]


@router.post("/screening/hits/{party_id}/{entity_id}/review", status_code=201)
def review(request: Request, party_id: PartyId, entity_id: EntityId, body: Annotated[ReviewIn, Body()],
           caller: Annotated[Caller, Depends(requires(Action.SCREENING_REVIEW))]) -> ReviewOut:
    """Confirm or dismiss the hit with a reason; audited. A dismissal awaits a second, different officer where
    the authority wants four eyes (`state`)."""
    ew = endwatch_of(request)
    r = screening_review.review_hit(ew.uow(), caller.principal, f"{party_id}:{entity_id}", body.verdict,
                                    body.reason, four_eyes=ew.settings.screening_review_four_eyes)
    return ReviewOut(**vars(r))
