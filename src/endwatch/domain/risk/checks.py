"""Indicator 8: end-use checks. Unfavourable outcomes of checks on permits to the same end user (or a party
above it), the same consignee or the same destination: the authority's own evidence that goods were not where
and with whom they were declared to be."""

from __future__ import annotations

from datetime import date

from endwatch.domain.risk.criteria import DIVERSION_CRITERIA
from endwatch.domain.risk.facts import lineage
from endwatch.domain.risk.model import Evidence, Indicator, Severity, Subject, World, indicator

CODE = "end-use-checks"
TITLE = "End-use checks"
CRITERIA = DIVERSION_CRITERIA


def assess(subject: Subject, world: World, as_of: date) -> Indicator:
    """Severity: high for an unfavourable check involving the end user or the consignee; medium for one
    involving only the destination. Favourable checks are not evidence of risk."""
    users = set(lineage(world, subject.end_user_id))
    severity = Severity.NONE
    evidence: list[Evidence] = []
    for c in sorted(world.checks, key=lambda c: (c.done_on, c.check_id)):
        if c.outcome != "unfavourable":
            continue
        involved: list[str] = []
        if users & set(c.end_user_ids):
            involved.append(f"the end user {world.name_of(subject.end_user_id)}")
        if subject.consignee_id in c.consignee_ids:
            involved.append(f"the consignee {world.name_of(subject.consignee_id)}")
        level = Severity.HIGH if involved else Severity.MEDIUM
        if not involved and subject.destination in c.destinations:
            involved.append(f"the destination {subject.destination}")
        if not involved:
            continue
        if level.rank > severity.rank:
            severity = level
        evidence.append(Evidence("check", str(c.check_id),
                                 f"End-use check {c.check_id} ({c.kind}, permits {', '.join(c.permit_numbers)}) done"
                                 f" {c.done_on.isoformat()}: unfavourable ({c.reasons}); involves"
                                 f" {', '.join(involved)}.", c.done_on))
    if not evidence:
        return indicator(CODE, TITLE, Severity.NONE,
                         "No end-use check with an unfavourable outcome involves the end user, the consignee or the"
                         " destination.", [], CRITERIA)
    return indicator(CODE, TITLE, severity, f"{len(evidence)} end-use check(s) with an unfavourable outcome involve"
                     " this route.", evidence, CRITERIA)
