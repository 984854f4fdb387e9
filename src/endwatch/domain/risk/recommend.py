"""From indicators to a recommendation, its conditions and conclusions in plain sentences.

Rules (each conclusion cites the indicators behind it):
- deny: any critical indicator, or three or more high ones (a cumulative, overriding risk);
- refer (for senior review): any high indicator;
- approve with conditions: any low or medium indicator; the conditions follow from which ones;
- approve: nothing found.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from endwatch.domain.risk.criteria import CRITERIA, GROUPS
from endwatch.domain.risk.model import Indicator, Severity, Subject, World
from endwatch.domain.risk.registry import run_indicators

DENY_HIGH_COUNT = 3


class Recommendation(StrEnum):
    """What the assessment recommends, from least to most restrictive."""

    APPROVE = "approve"
    APPROVE_WITH_CONDITIONS = "approve_with_conditions"
    REFER = "refer"
    DENY = "deny"

    @property
    def rank(self) -> int:
        """Higher is more restrictive."""
        return ("approve", "approve_with_conditions", "refer", "deny").index(self.value)


class Condition(StrEnum):
    """Conditions a permit can be approved under."""

    POST_SHIPMENT_VERIFICATION = "post-shipment verification"
    DELIVERY_VERIFICATION_CERTIFICATE = "delivery verification certificate"
    RE_EXPORT_CONSENT_CLAUSE = "re-export consent clause"


@dataclass(frozen=True)
class Conclusion:
    """One plain sentence for the file, and the indicator codes it rests on."""

    topic: str
    text: str
    indicators: tuple[str, ...]


@dataclass(frozen=True)
class Assessment:
    """The outcome of assessing one subject as of a date."""

    subject: Subject
    as_of: date
    recommendation: Recommendation
    conditions: tuple[Condition, ...]
    conclusions: tuple[Conclusion, ...]
    indicators: tuple[Indicator, ...]

    def indicator(self, code: str) -> Indicator:
        """The indicator with that code."""
        return next(i for i in self.indicators if i.code == code)


_CONDITIONS: dict[str, tuple[Condition, ...]] = {
    "onward-transfers": (Condition.RE_EXPORT_CONSENT_CLAUSE, Condition.POST_SHIPMENT_VERIFICATION),
    "conflicting-declarations": (Condition.RE_EXPORT_CONSENT_CLAUSE, Condition.POST_SHIPMENT_VERIFICATION),
    "diversion-history": (Condition.POST_SHIPMENT_VERIFICATION, Condition.DELIVERY_VERIFICATION_CERTIFICATE),
    "end-use-undertaking": (Condition.DELIVERY_VERIFICATION_CERTIFICATE, Condition.RE_EXPORT_CONSENT_CLAUSE),
    "armed-conflict": (Condition.POST_SHIPMENT_VERIFICATION,),
    "end-use-checks": (Condition.POST_SHIPMENT_VERIFICATION, Condition.DELIVERY_VERIFICATION_CERTIFICATE),
    "screening": (Condition.DELIVERY_VERIFICATION_CERTIFICATE,),
    "destination-policy": (Condition.DELIVERY_VERIFICATION_CERTIFICATE,),
    "overdue-answers": (Condition.POST_SHIPMENT_VERIFICATION,),
}


def _cite(indicators: list[Indicator]) -> str:
    return ", ".join(f"{i.code} ({i.severity.value})" for i in indicators)


def recommend(subject: Subject, indicators: list[Indicator], as_of: date) -> Assessment:
    """Combine indicators into a recommendation with named conditions and cited conclusions."""
    flagged = [i for i in indicators if i.severity is not Severity.NONE]
    critical = [i for i in flagged if i.severity is Severity.CRITICAL]
    high = [i for i in flagged if i.severity is Severity.HIGH]
    conditions = tuple(dict.fromkeys(c for i in flagged for c in _CONDITIONS.get(i.code, ())))
    what = f"{subject.kind} {subject.key}"
    # For a permit already issued, "deny" means it should no longer be in force.
    deny = f"Deny {what}" if subject.kind == "application" else f"Suspend or revoke {what} (deny)"
    conclusions: list[Conclusion] = []
    if critical:
        rec = Recommendation.DENY
        lead = (f"{deny}: {len(critical)} indicator(s) show a risk that cannot be mitigated by conditions. "
                + " ".join(i.summary for i in critical))
        basis = critical
    elif len(high) >= DENY_HIGH_COUNT:
        rec = Recommendation.DENY
        lead = (f"{deny}: {len(high)} high-risk indicators together amount to a substantial, overriding risk"
                " that conditions cannot mitigate. " + " ".join(i.summary for i in high))
        basis = high
    elif high:
        rec = Recommendation.REFER
        lead = (f"Refer {what} for senior review: " + " ".join(i.summary for i in high)
                + (f" If approved, attach: {', '.join(conditions)}." if conditions else ""))
        basis = high
    elif flagged:
        rec = Recommendation.APPROVE_WITH_CONDITIONS
        lead = (f"Approve {what} with conditions ({', '.join(conditions)}): " + " ".join(i.summary for i in flagged))
        basis = flagged
    else:
        rec = Recommendation.APPROVE
        lead = f"Approve {what}: no indicator shows a risk on {as_of.isoformat()}."
        basis = []
    conclusions.append(Conclusion("recommendation", lead, tuple(i.code for i in basis)))
    for topic, title, codes in GROUPS:
        behind = [i for i in flagged if set(i.criteria) & set(codes)]
        if not behind:
            continue
        worst = max(behind, key=lambda i: i.severity.rank).severity
        cited = sorted({c for i in behind for c in i.criteria if c in codes})
        conclusions.append(Conclusion(
            topic,
            f"{title}: {worst.value} risk, from {_cite(behind)}. Criteria engaged: "
            + "; ".join(CRITERIA[c] for c in cited) + ".",
            tuple(i.code for i in behind)))
    return Assessment(subject, as_of, rec, conditions, tuple(conclusions), tuple(indicators))


def assess_subject(subject: Subject, world: World, as_of: date) -> Assessment:
    """Run every indicator on `subject` as of `as_of` (using only what was known then) and recommend."""
    return recommend(subject, run_indicators(subject, world, as_of), as_of)
