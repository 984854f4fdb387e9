"""Indicator 7: end-use undertaking completeness (end user named, end use stated, no-re-export
assurance, signatory and date)."""

from __future__ import annotations

from datetime import date

from endwatch.domain.risk.criteria import DIVERSION_CRITERIA
from endwatch.domain.risk.model import Evidence, Indicator, Severity, Subject, World, indicator

CODE = "end-use-undertaking"
TITLE = "End-use undertaking completeness"
CRITERIA = (*DIVERSION_CRITERIA, "EU-CP-8")


def assess(subject: Subject, world: World, as_of: date) -> Indicator:
    """Severity: high when the end user, the end use or the no-re-export assurance is missing; medium when
    only the signatory or the date is; none when complete."""
    u = subject.undertaking
    serious: list[str] = []
    minor: list[str] = []
    if not subject.end_user_id or subject.end_user_id not in world.parties:
        serious.append("the end user is not named")
    if not u.end_use.strip():
        serious.append("no end use is stated")
    if not u.no_reexport:
        serious.append("there is no assurance against re-export without consent")
    if not (u.signatory or "").strip():
        minor.append("no signatory is given")
    if u.signed_on is None:
        minor.append("the undertaking is not dated")
    elif u.signed_on > as_of:
        minor.append(f"the undertaking is dated after {as_of.isoformat()}")
    missing = serious + minor
    if not missing:
        return indicator(CODE, TITLE, Severity.NONE,
                         f"The end-use undertaking is complete: end user {world.name_of(subject.end_user_id)},"
                         f" end use '{u.end_use}', no-re-export assurance, signed by {u.signatory}"
                         f" on {u.signed_on.isoformat() if u.signed_on else '?'}.", [], CRITERIA)
    severity = Severity.HIGH if serious else Severity.MEDIUM
    evidence = [Evidence("undertaking", f"{subject.kind} {subject.key}", f"In the end-use undertaking, {m}.",
                         subject.dated) for m in missing]
    return indicator(CODE, TITLE, severity, "The end-use undertaking is incomplete: " + "; ".join(missing) + ".",
                     evidence, CRITERIA)
