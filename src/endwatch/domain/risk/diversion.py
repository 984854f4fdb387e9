"""Indicator 5: diversion history. Detection findings involving the consignee, the end user or the destination."""

from __future__ import annotations

from datetime import date

from endwatch.domain.risk.criteria import DIVERSION_CRITERIA
from endwatch.domain.risk.facts import lineage
from endwatch.domain.risk.model import Evidence, Indicator, Severity, Subject, World, indicator

CODE = "diversion-history"
TITLE = "Diversion history"
CRITERIA = DIVERSION_CRITERIA
VERDICTS = ("diversion", "anomaly")


def assess(subject: Subject, world: World, as_of: date) -> Indicator:
    """Severity: critical for a confirmed or probable diversion; high for a possible diversion or an anomaly."""
    permits = world.permit_by_number
    users = set(lineage(world, subject.end_user_id))
    severity = Severity.NONE
    evidence: list[Evidence] = []
    for f in sorted(world.findings, key=lambda f: (f.known_on, f.sighting_id)):
        if f.verdict not in VERDICTS:
            continue
        permit = permits.get(f.permit_number or "")
        involved: list[str] = []
        if permit and permit.consignee_id == subject.consignee_id:
            involved.append(f"the consignee {world.name_of(subject.consignee_id)} (permit {permit.number})")
        if permit and permit.end_user_id in users:
            involved.append(f"the end user {world.name_of(permit.end_user_id)} (permit {permit.number})")
        if f.observed_user_id and (f.observed_user_id in users or f.observed_user_id == subject.consignee_id):
            involved.append(f"the observed user {world.name_of(f.observed_user_id)}")
        if f.observed_country == subject.destination:
            involved.append(f"the destination {subject.destination}")
        if not involved:
            continue
        strong = f.verdict == "diversion" and f.confidence in ("confirmed", "probable")
        level = Severity.CRITICAL if strong else Severity.HIGH
        if level.rank > severity.rank:
            severity = level
        evidence.append(Evidence("finding", f.sighting_id,
                                 f"Finding on sighting {f.sighting_id} (observed {f.observed_on.isoformat()}"
                                 f"{' in ' + f.observed_country if f.observed_country else ''}): verdict {f.verdict}"
                                 f"{', ' + f.confidence if f.confidence else ''}; involves {', '.join(involved)}.",
                                 f.known_on))
    if not evidence:
        return indicator(CODE, TITLE, Severity.NONE,
                         "No detection finding of diversion or anomaly involves the consignee, the end user or the"
                         " destination.", [], CRITERIA)
    return indicator(CODE, TITLE, severity,
                     f"{len(evidence)} detection finding(s) of diversion or anomaly involve this route.",
                     evidence, CRITERIA)
