"""The glossary: one page explaining every code a page shows in words (grades, tiers, statuses, measures,
verdicts, confidence). Public, like the transparency figures: it holds no record, only meanings."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from endwatch.domain.verdicts import CREDIBILITY, RELIABILITY
from endwatch.services.authz import Action
from endwatch.services.detection.near import TIER_WORDS
from endwatch.web.render import render
from endwatch.web.security import Caller, requires

router = APIRouter(include_in_schema=False)


@router.get("/glossary", response_class=HTMLResponse)
def glossary(request: Request, caller: Annotated[Caller, Depends(requires(Action.TRANSPARENCY_READ))]) -> Response:
    """Every grade, tier, status, measure, verdict and confidence, with what it means."""
    tiers = [(tier.value, words, reason) for tier, (words, reason) in TIER_WORDS.items()]
    return render(request, "glossary.html", {"reliability": RELIABILITY, "credibility": CREDIBILITY,
                                             "tiers": tiers})
