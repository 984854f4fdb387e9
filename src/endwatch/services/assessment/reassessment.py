"""Continuous re-assessment: when new evidence arrives, the permits in force and pending applications it
concerns are re-assessed (every one when no concern is named, `Concerns`); those whose recommendation
worsens go on the watch list with the evidence that changed it (watch.py: a permit whose first
assessment recommends refer or deny too).

Other areas call `reassess_all(db, principal, as_of, trigger)` after they record evidence (a finding, for
example): it computes on a read snapshot and stores in a short write; or `reassess_in(w, ...)` inside a write
they already hold.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from endwatch.domain.permits import ApplicationStatus
from endwatch.domain.risk.facts import lineage, onward_transfers
from endwatch.domain.risk.model import Conflict, Subject, TransferReport, World
from endwatch.domain.risk.recommend import Assessment, assess_subject
from endwatch.services.assessment.assess import application_subject, load_world, store
from endwatch.services.assessment.store import StoredAssessment, WatchEntry
from endwatch.services.assessment.watch import watch_if_worse
from endwatch.services.authz import Action, Principal
from endwatch.services.gate import Write, plan_then_write
from endwatch.services.uow import Database, UnitOfWork

# Tables whose writes cannot change a re-assessment: rows only added there and never read by the indicators
# (a sighting counts once detection has decided it, as a finding), or not registry facts at all.
UNAFFECTED_BY = frozenset({"sightings", "users", "api_tokens", "outbox", "case_notes"})


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


@dataclass(frozen=True)
class Concerns:
    """What new evidence is about: states (codes), registered parties and product families. A subject is
    concerned when its destination, its end user's state, a state its consignee, end user or their state
    transfers onward to, or a state declared on its route is among the states; when its exporter,
    consignee or end user (or a party above them) or an onward recipient is among the parties; or when its
    product's family is among the families."""

    countries: frozenset[str] = frozenset()
    parties: frozenset[str] = frozenset()
    families: frozenset[str] = frozenset()

    @classmethod
    def of_conflicts(cls, conflicts: Iterable[Conflict]) -> Concerns:
        """The states and parties playing any role in these conflicts."""
        cs = list(conflicts)
        return cls(frozenset(r.country for c in cs for r in c.all_roles() if r.country),
                   frozenset(r.party_id for c in cs for r in c.all_roles() if r.party_id))

    @classmethod
    def of_transfers(cls, transfers: Iterable[TransferReport]) -> Concerns:
        """The suppliers and recipients (parties and states) of these transfers."""
        ts = list(transfers)
        return cls(frozenset(x for t in ts for x in (t.supplier_country, t.recipient_country) if x),
                   frozenset(x for t in ts for x in (t.supplier_id, t.recipient_id) if x))

    def __or__(self, other: Concerns) -> Concerns:
        return Concerns(self.countries | other.countries, self.parties | other.parties,
                        self.families | other.families)


def concerned(subject: Subject, world: World, concerns: Concerns, as_of: date) -> bool:
    """Whether new evidence about `concerns` can change the subject's assessment (see Concerns)."""
    parties = {x for p in (subject.exporter_id, subject.consignee_id, subject.end_user_id) for x in lineage(world, p)}
    if parties & concerns.parties:
        return True
    family = world.family_of(subject.product_id)
    if family in concerns.families:
        return True
    countries = {subject.destination, world.country_of(subject.end_user_id)}
    onward = onward_transfers(world, subject, as_of)
    countries |= {t.recipient_country for t in onward}
    if {t.recipient_id for t in onward if t.recipient_id} & concerns.parties:
        return True
    countries |= {world.country_of(r.end_user_id) for r in world.on_route(family, subject.exporter_id,
                                                                         subject.consignee_id)}
    return bool(countries & concerns.countries)


def _differs(before: StoredAssessment | None, after: Assessment) -> bool:
    if before is None or before.recommendation != after.recommendation.value:
        return True
    return {i["code"]: i["severity"] for i in before.indicators} != {i.code: i.severity.value for i in after.indicators}


@dataclass(frozen=True)
class Reassessment:
    """What a re-assessment found on the state it read: each subject whose assessment changed, with its last
    stored one (None when never assessed), and the world they were assessed on."""

    as_of: date
    trigger: str
    world: World
    changed: list[tuple[StoredAssessment | None, Assessment]]


def plan_reassessment(uow: UnitOfWork, as_of: date, trigger: str, concerns: Concerns | None = None) -> Reassessment:
    """Re-assess what is in play as of `as_of` (only the subjects `concerns` names, when given) on what `uow`
    reads (a snapshot will do): only reads."""
    world = load_world(uow).known_by(as_of)  # cut once: every subject below is assessed on the same world
    changed: list[tuple[StoredAssessment | None, Assessment]] = []
    subjects = [s for s in subjects_in_play(world, as_of)
                if concerns is None or concerned(s, world, concerns, as_of)]
    # Each subject's last assessment, read in one query rather than one per subject.
    latest = uow.assessment.latest_assessments([(s.kind, s.key) for s in subjects], as_of)
    for subject in subjects:
        before = latest.get((subject.kind, subject.key))
        after = assess_subject(subject, world, as_of)
        if _differs(before, after):
            changed.append((before, after))
    return Reassessment(as_of, trigger, world, changed)


def apply_reassessment(w: Write, plan: Reassessment) -> list[WatchEntry]:
    """Store the changed assessments of `plan` and put those that worsened on the watch list (in `w`)."""
    added: list[WatchEntry] = []
    for before, after in plan.changed:
        entry = watch_if_worse(w, before, store(w, after, plan.world, plan.trigger), plan.as_of, plan.trigger)
        if entry is not None:
            added.append(entry)
    return added


def reassess_in(w: Write, as_of: date, trigger: str, concerns: Concerns | None = None) -> list[WatchEntry]:
    """Re-assess what is in play as of `as_of` inside the caller's transaction (only the subjects `concerns`
    names, when given); returns the new watch-list entries. An assessment is stored only when it differs
    from the subject's last one."""
    return apply_reassessment(w, plan_reassessment(w.uow, as_of, trigger, concerns))


def reassess_planned(target: UnitOfWork | Database, principal: Principal, action: Action, as_of: date,
                     trigger: str, concerns: Concerns | None = None) -> list[WatchEntry]:
    """Re-assess as `reassess_all` does (only what `concerns` names, when given), under `action` (a detection
    run re-assesses under its own)."""
    return plan_then_write(target, principal, action, lambda uow: plan_reassessment(uow, as_of, trigger, concerns),
                           apply_reassessment, attempts=3, unaffected_by=UNAFFECTED_BY)


def reassess_all(target: UnitOfWork | Database, principal: Principal, as_of: date,
                 trigger: str) -> list[WatchEntry]:
    """Re-assess every permit in force and pending application as of `as_of`.

    Given a Database (`Endwatch`), the assessments are computed on a read snapshot, without the write lock,
    and stored in a short write only if nothing they depend on was written meanwhile (else computed again:
    gate.write_planned), so other writers wait for the storing, not for the assessing. Given a unit of work,
    all of it happens in its one transaction."""
    return reassess_planned(target, principal, Action.ASSESSMENTS_RUN, as_of, trigger)


def watchlist(uow: UnitOfWork) -> list[WatchEntry]:
    """Every watch-list entry, oldest first."""
    with uow:
        return uow.assessment.watchlist()
