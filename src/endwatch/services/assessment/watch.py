"""The watch list: which new assessment puts a permit or an application on it, and with what evidence.

A subject goes on it when its recommendation worsens against its last assessment. An issued permit
counts as approved at its issue, so a permit whose first assessment recommends refer or deny (one
imported from an older registry, say) goes on it too, with every indicator that caused it. A permit
issued under a named policy exception was approved on a senior review of a referral (an exception is
relied on exactly where policy presumes denial), so its first assessment is compared with refer.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

from endwatch.domain.risk.model import Severity, Subject
from endwatch.domain.risk.recommend import Assessment, Recommendation
from endwatch.services.assessment.assess import AssessmentResult
from endwatch.services.assessment.store import StoredAssessment, WatchEntry
from endwatch.services.audit.trail import snapshot
from endwatch.services.gate import Write

# What an issued permit never assessed before is compared with: it was approved when it was issued;
# under a named exception, approved on review of a referral.
PERMIT_BASELINE = Recommendation.APPROVE
EXCEPTION_BASELINE = Recommendation.REFER
# A first assessment puts a permit on the watch list from this recommendation up.
FIRST_WATCHED = Recommendation.REFER


def changes(before: StoredAssessment | None, after: Assessment) -> list[dict[str, Any]]:
    """Indicators whose severity rose, with the evidence that was not there before (with no assessment
    before: every indicator above none, with all its evidence)."""
    old = {i["code"]: i for i in before.indicators} if before is not None else {}
    changed: list[dict[str, Any]] = []
    for ind in after.indicators:
        prev = old.get(ind.code)
        prev_sev = Severity(prev["severity"]) if prev else Severity.NONE
        if ind.severity.rank <= prev_sev.rank:
            continue
        seen = {e["text"] for e in (prev or {}).get("evidence", [])}
        changed.append({"indicator": ind.code, "before": prev_sev.value, "after": ind.severity.value,
                        "summary": ind.summary,
                        "new_evidence": [snapshot(e) for e in ind.evidence if e.text not in seen]})
    return changed


def baseline(subject: Subject, before: StoredAssessment | None) -> Recommendation | None:
    """What a new assessment is compared with: the subject's last assessment; for a permit never assessed
    before, approval at its issue (a referral accepted, under a named exception); for an application
    never assessed before, nothing."""
    if before is not None:
        return Recommendation(before.recommendation)
    if subject.kind != "permit":
        return None
    return EXCEPTION_BASELINE if subject.exception else PERMIT_BASELINE


def watch_if_worse(w: Write, before: StoredAssessment | None, result: AssessmentResult, as_of: date,
                   trigger: str) -> WatchEntry | None:
    """Put the subject on the watch list when `result` is worse than its baseline (inside the caller's
    write, audited as `watchlist.add`); returns the entry added, if any."""
    after = result.assessment
    subject = after.subject
    base = baseline(subject, before)
    if base is None or after.recommendation.rank <= base.rank:
        return None
    if before is None and after.recommendation.rank < FIRST_WATCHED.rank:
        return None
    assert result.id is not None
    entry = WatchEntry(None, subject.kind, subject.key, as_of, base.value, after.recommendation.value,
                       trigger, changes(before, after), result.id, result.assessed_at, w.principal.username)
    entry = replace(entry, id=w.uow.assessment.add_watch(entry))
    w.record(action="watchlist.add", entity=subject.kind, key=subject.key, after=entry, reason=trigger)
    return entry
