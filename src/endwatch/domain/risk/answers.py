"""Indicator: overdue answers. A party that answered trace requests or case inquiries late, or never, is less
likely to account for what it was sold. Counted only where the authority's policy says so
(`World.count_overdue_answers`: the version of the policy in force on the day assessed, set with `endwatch
deadlines policy --from DAY`), so it is absent from assessments otherwise.

As of a day: an answer is late when it was given after its due day; it is missing when the due day has passed
without one (an answer given later is not yet known then). A request closed unanswered by its due day
(withdrawn) counts for nothing; one closed after it counts as never answered.
"""

from __future__ import annotations

from datetime import date

from endwatch.domain.risk.criteria import DIVERSION_CRITERIA
from endwatch.domain.risk.model import AnswerRecord, Evidence, Indicator, Severity, Subject, World, indicator

CODE = "overdue-answers"
TITLE = "Answers to trace requests and inquiries given late or never"
CRITERIA = DIVERSION_CRITERIA
MISSING_FOR_HIGH = 2  # two questions left unanswered past their due day make the risk high


def _fault(a: AnswerRecord, as_of: date) -> str | None:
    """What is wrong with one answer as of `as_of`, in words; None when nothing is."""
    if a.due_on >= as_of:
        return None
    if a.answered_on is not None and a.answered_on <= as_of:
        late = (a.answered_on - a.due_on).days
        return f"answered {late} day(s) late, on {a.answered_on.isoformat()}" if late > 0 else None
    if a.closed_on is not None and a.closed_on <= a.due_on:
        return None  # withdrawn before it was due
    return f"not answered, {(as_of - a.due_on).days} day(s) after it was due"


def assess(subject: Subject, world: World, as_of: date) -> Indicator:
    """Severity: high when two or more answers are missing past their due day; medium when one is; low when
    answers were only late; none when every answer due by `as_of` came on time."""
    parties = {subject.exporter_id, subject.consignee_id, subject.end_user_id}
    late: list[Evidence] = []
    missing: list[Evidence] = []
    for a in sorted(world.answers, key=lambda x: (x.due_on, x.kind, x.key)):
        if a.party_id not in parties:
            continue
        fault = _fault(a, as_of)
        if fault is None:
            continue
        text = (f"{world.name_of(a.party_id)} was asked ({a.kind} {a.key}) on {a.asked_on.isoformat()}, due"
                f" {a.due_on.isoformat()}: {fault}.")
        (late if fault.startswith("answered") else missing).append(
            Evidence(a.kind, f"{a.kind} {a.key}", text, a.answered_on if a.answered_on and a.answered_on <= as_of
                     else a.due_on))
    if not late and not missing:
        return indicator(CODE, TITLE, Severity.NONE, "Every answer due from the parties by"
                         f" {as_of.isoformat()} was given on time.", [], CRITERIA)
    severity = (Severity.HIGH if len(missing) >= MISSING_FOR_HIGH else Severity.MEDIUM if missing
                else Severity.LOW)
    summary = (f"{len(missing)} answer(s) never given and {len(late)} given late by the parties to this transfer"
               f" as of {as_of.isoformat()}.")
    return indicator(CODE, TITLE, severity, summary, missing + late, CRITERIA)
