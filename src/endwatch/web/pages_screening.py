"""The screening page: every hit with the names that matched, how, its list and the review in force, and
forms to confirm or dismiss it with a reason (CSRF-checked like every form; services/assessment/
screening_review.py decides)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from endwatch.errors import InvalidInput, Problem
from endwatch.services.assessment import screening, screening_review
from endwatch.services.authz import Action
from endwatch.web.render import render
from endwatch.web.security import Caller, endwatch_of, requires

router = APIRouter(include_in_schema=False)


@router.get("/screening", response_class=HTMLResponse)
def screening_page(request: Request,
                   caller: Annotated[Caller, Depends(requires(Action.ASSESSMENTS_READ))]) -> Response:
    """Every hit, best first for each party, with review forms for those who may review."""
    ew = endwatch_of(request)
    found = [(screening_review.hit_key(h), h) for h in screening.list_hits(ew.reader())]
    awaiting = {f"{r.party_id}:{r.entity_id}": r for r in screening_review.list_reviews(ew.reader())
                if r.state == screening_review.AWAITING}
    return render(request, "screening.html", {"hits": found, "awaiting": awaiting,
                                              "four_eyes": ew.settings.screening_review_four_eyes})


@router.post("/screening/review")
def review(request: Request, caller: Annotated[Caller, Depends(requires(Action.SCREENING_REVIEW))],
           hit: Annotated[str, Form(max_length=500)], verdict: Annotated[str, Form(max_length=20)],
           reason: Annotated[str, Form(max_length=2000)] = "") -> Response:
    """Confirm or dismiss a hit with a reason, then back to the page."""
    if verdict not in screening_review.VERDICTS:
        raise InvalidInput([Problem(f"{verdict!r} is not a verdict", column="verdict")])
    ew = endwatch_of(request)
    screening_review.review_hit(ew.uow(), caller.principal, hit, verdict, reason,
                                four_eyes=ew.settings.screening_review_four_eyes)
    return RedirectResponse("/screening", status_code=303)
