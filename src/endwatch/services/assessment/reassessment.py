"""Continuous re-assessment: when new evidence arrives, every permit in force and every pending
application is re-assessed; those whose recommendation worsens go on the watch list with the
evidence that changed it (watch.py: a permit whose first assessment recommends refer or deny too).

Other areas call `reassess_all(uow_factory, principal, as_of, trigger)` after they record evidence (a
finding, for example), or `reassess_in(w, ...)` inside a write they already hold.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from endwatch.domain.permits import ApplicationStatus
from endwatch.domain.risk.model import Subject, World
from endwatch.domain.risk.recommend import Assessment, assess_subject
from endwatch.services.assessment.assess import application_subject, load_world, store
from endwatch.services.assessment.store import StoredAssessment, WatchEntry
from endwatch.services.assessment.watch import watch_if_worse
from endwatch.services.authz import Action, Principal
from endwatch.services.gate import Write, write
from endwatch.services.uow import UnitOfWork


def subjects_in_play(world: World, as_of: date) -> list[Subject]:
    """Permits in force on `as_of`, and applications received by then and still undecided.

    An application counts as undecided while its status is pending, or (replaying the past) while it
    is approved but no permit on it was issued yet by `as_of`.
    """
    subjects = [Subject.of_permit(p) for p in sorted(world.permits, key=lambda p: p.number) if p.in_force_on(as_of)]
    issued_on = {p.application_number: p.issued_on for p in world.permits if p.application_number}
    for a in sorted(world.applications, key=lambda a: a.number):
        if a.received_on > as_of:
            continue
        undecided = a.status.pending or (a.status is ApplicationStatus.APPROVED
                                         and not (a.number in issued_on and issued_on[a.number] <= as_of))
        if undecided:
            subjects.append(application_subject(world, a.number, as_of))
    return subjects


def _differs(before: StoredAssessment | None, after: Assessment) -> bool:
    if before is None or before.recommendation != after.recommendation.value:
        return True
    return {i["code"]: i["severity"] for i in before.indicators} != {i.code: i.severity.value for i in after.indicators}


def reassess_in(w: Write, as_of: date, trigger: str) -> list[WatchEntry]:
    """Re-assess everything in play as of `as_of` inside the caller's transaction; returns the new
    watch-list entries. An assessment is stored only when it differs from the subject's last one."""
    uow = w.uow
    world = load_world(uow).known_by(as_of)  # cut once: every subject below is assessed on the same world
    added: list[WatchEntry] = []
    for subject in subjects_in_play(world, as_of):
        before = uow.assessment.latest_assessment(subject.kind, subject.key, as_of)
        after = assess_subject(subject, world, as_of)
        if not _differs(before, after):
            continue
        entry = watch_if_worse(w, before, store(w, after, world, trigger), as_of, trigger)
        if entry is not None:
            added.append(entry)
    return added


def reassess_all(uow_factory: Callable[[], UnitOfWork], principal: Principal, as_of: date,
                 trigger: str) -> list[WatchEntry]:
    """Re-assess every permit in force and pending application as of `as_of`, in one transaction."""
    with write(uow_factory(), principal, Action.ASSESSMENTS_RUN) as w:
        return reassess_in(w, as_of, trigger)


def watchlist(uow: UnitOfWork) -> list[WatchEntry]:
    """Every watch-list entry, oldest first."""
    with uow:
        return uow.assessment.watchlist()
