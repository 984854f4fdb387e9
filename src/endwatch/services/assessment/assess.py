"""Assessing applications (and permits) against policy and evidence, as of a date; storing the result
with its inputs so that it can be reproduced."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from endwatch.domain.parties import Party
from endwatch.domain.permits import Application, Permit
from endwatch.domain.risk.model import Subject, World
from endwatch.domain.risk.recommend import Assessment, assess_subject
from endwatch.errors import NotFound
from endwatch.services.assessment.inputs import address, from_inputs, resolve, to_inputs
from endwatch.services.assessment.store import StoredAssessment
from endwatch.services.audit.trail import snapshot
from endwatch.services.authz import Action, Principal
from endwatch.services.gate import Write, write
from endwatch.services.monitoring.answers import answer_records, as_versions, policy_versions
from endwatch.services.uow import UnitOfWork


@dataclass(frozen=True)
class AssessmentResult:
    """An assessment and the id it was stored under (None when not stored)."""

    assessment: Assessment
    id: int | None
    assessed_at: str
    assessed_by: str

    def to_dict(self) -> dict[str, Any]:
        """The JSON form: `recommendation`, `conditions`, `conclusions`, `indicators` (with evidence and date)."""
        a = self.assessment
        return {
            "assessment_id": self.id,
            "subject": {"kind": a.subject.kind, "key": a.subject.key,
                        "application_number": a.subject.application_number,
                        "permit_number": a.subject.permit_number, "exception": a.subject.exception},
            "as_of": a.as_of.isoformat(),
            "recommendation": a.recommendation.value,
            "conditions": [c.value for c in a.conditions],
            "conclusions": snapshot(a.conclusions),
            "indicators": snapshot(a.indicators),
            "assessed_at": self.assessed_at,
            "assessed_by": self.assessed_by,
        }


def load_world(uow: UnitOfWork) -> World:
    """Everything the indicators may draw on, as stored (cut it with `World.known_by`)."""
    return replace(_records(uow), parties={p.id: p for p in uow.parties.list()})


def load_world_for(uow: UnitOfWork, application_numbers: Collection[str]) -> World:
    """`load_world`'s world for assessing these applications: the same records, but only the parties they name
    (applications, permits, conflicts, transfers, hits, findings, answers, checks), the states of the
    applications' end users' countries, and every party above those. The indicators read no other party (by id,
    up its parents, and the states of the end user's state), so the assessments are the same, and the parties
    read do not grow with parties nothing names."""
    world = _records(uow)
    found: dict[str, Party] = {}
    _with_ancestors(uow, found, _named(world))
    partial = replace(world, parties=found)
    countries = {partial.country_of(a.end_user_id) for a in world.applications if a.number in application_numbers}
    _with_ancestors(uow, found, {p.id for p in uow.parties.states_of({c for c in countries if c})})
    return replace(world, parties={k: found[k] for k in sorted(found)})


def _records(uow: UnitOfWork) -> World:
    """Every record the indicators may draw on but the parties (left empty)."""
    checks = tuple(uow.checks.outcomes())
    policy = as_versions(policy_versions(uow))
    return World(
        parties={},
        products={p.id: p for p in uow.products.list()},
        policies=tuple(uow.policies.list()),
        applications=tuple(uow.applications.list()),
        permits=tuple(uow.permits.list()),
        conflicts=tuple(uow.assessment.conflicts()),
        transfers=tuple(uow.assessment.transfers()),
        hits=tuple(uow.assessment.hits()),
        findings=tuple(uow.assessment.findings()),
        # Answers are read only where some version of the policy counts them: otherwise the indicator is absent,
        # and so are they. Whether they count is the version in force on the day assessed (World.known_by).
        answers=tuple(answer_records(uow)) if any(counts for _, counts in policy) else (),
        answer_policy=policy,
        # Counted once any check is done: before that the indicator is absent, as in assessments made earlier.
        checks=checks,
        count_checks=bool(checks),
    )


def _named(world: World) -> set[str]:
    """The ids of the parties the world's records name."""
    ids: set[str | None] = set()
    records: list[Application | Permit] = [*world.applications, *world.permits]
    for r in records:
        ids |= {r.exporter_id, r.consignee_id, r.end_user_id}
    for c in world.conflicts:
        ids |= {*c.party_ids, *(r.party_id for r in c.roles)}
    for t in world.transfers:
        ids |= {t.supplier_id, t.recipient_id}
    ids |= {h.party_id for h in world.hits} | {f.observed_user_id for f in world.findings}
    ids |= {a.party_id for a in world.answers}
    for k in world.checks:
        ids |= {*k.end_user_ids, *k.consignee_ids}
    return {i for i in ids if i}


def _with_ancestors(uow: UnitOfWork, found: dict[str, Party], ids: set[str]) -> None:
    """Add these parties and every party above them to `found` (one read per level of parents)."""
    wanted = ids - found.keys()
    while wanted:
        got = uow.parties.get_many(wanted)
        found.update(got)
        wanted = {p.parent_id for p in got.values() if p.parent_id} - found.keys()


def application_subject(world: World, number: str, as_of: date, exception: str | None = None,
                        justification: str | None = None) -> Subject:
    """The subject for an application; when a permit issued on it by `as_of` relied on an exception,
    that exception (unless another is given)."""
    app = world.application_by_number.get(number)
    if app is None:
        raise NotFound("application", number)
    permit = next((p for p in world.permits_by_application.get(number, []) if p.issued_on <= as_of), None)
    if permit is not None and exception is None:
        exception, justification = permit.exception, permit.justification
    return Subject.of_application(app, exception, justification, permit.number if permit else None)


def store(w: Write, assessment: Assessment, world: World, trigger: str) -> AssessmentResult:
    """Store an assessment with its inputs and audit it (inside the caller's write)."""
    uow, actor = w.uow, w.principal.username
    a = assessment
    at = uow.now().isoformat(timespec="microseconds")
    cut = world.known_by(a.as_of)
    inputs, bodies = address(to_inputs(a.subject, cut), cut.memo)
    uow.assessment.save_evidence(bodies)
    stored = StoredAssessment(
        None, a.subject.kind, a.subject.key, a.subject.application_number, a.as_of, a.recommendation.value,
        [c.value for c in a.conditions], snapshot(a.conclusions), snapshot(a.indicators), inputs, trigger, at, actor)
    new_id = uow.assessment.add_assessment(stored)
    w.record(action="assessment.run", entity=a.subject.kind, key=a.subject.key,
             after={"assessment_id": new_id, "as_of": a.as_of, "recommendation": a.recommendation.value,
                    "severities": {i.code: i.severity.value for i in a.indicators}},
             reason=trigger or "assessment")
    return AssessmentResult(a, new_id, at, actor)


def assess_in(w: Write, subject: Subject, world: World, as_of: date, trigger: str = "") -> AssessmentResult:
    """Assess and store inside an open write (committed with it)."""
    return store(w, assess_subject(subject, world, as_of), world, trigger)


def assess(uow: UnitOfWork, principal: Principal, application_number: str, as_of: date, *,
           exception: str | None = None, justification: str | None = None, trigger: str = "") -> AssessmentResult:
    """Assess an application as of `as_of` using only what was known by then; store it with its inputs.

    `exception` names a policy exception the application would rely on (default: the one its permit
    relied on, if a permit was issued on it by `as_of`).
    """
    with write(uow, principal, Action.ASSESSMENTS_RUN) as w:
        world = load_world(uow)
        subject = application_subject(world, application_number, as_of, exception, justification)
        return assess_in(w, subject, world, as_of, trigger or "assess")


def assess_permit(uow: UnitOfWork, principal: Principal, permit_number: str, as_of: date, *,
                  trigger: str = "") -> AssessmentResult:
    """Assess a permit on its own terms (its parties, goods and the exception it was issued under); a
    result worse than its last assessment (or, the first time, refer or deny) puts it on the watch list."""
    with write(uow, principal, Action.ASSESSMENTS_RUN) as w:
        world = load_world(uow)
        permit = world.permit_by_number.get(permit_number)
        if permit is None:
            raise NotFound("permit", permit_number)
        from endwatch.services.assessment.watch import watch_if_worse  # watch builds on this module

        before = uow.assessment.latest_assessment("permit", permit_number, as_of)
        result = assess_in(w, Subject.of_permit(permit), world, as_of, trigger or "assess")
        watch_if_worse(w, before, result, as_of, trigger or "assess")
        return result


def stored_assessment(uow: UnitOfWork, assessment_id: int) -> StoredAssessment:
    """A stored assessment by id, with its inputs whole (the evidence its digests address in place)."""
    with uow:
        found = uow.assessment.get_assessment(assessment_id)
        if found is None:
            raise NotFound("assessment", str(assessment_id))
        # The evidence it used is stored once, by digest: put it back in place.
        return replace(found, inputs=resolve(found.inputs, uow.assessment.evidence))


def reproduce(stored: StoredAssessment) -> Assessment:
    """Recompute a stored assessment from its stored inputs alone (the registry is not read)."""
    subject, world = from_inputs(stored.inputs)
    return assess_subject(subject, world, stored.as_of)


@dataclass(frozen=True)
class Reproduction:
    """A stored assessment recomputed from its stored inputs, and whether the result is the same."""

    assessment_id: int
    subject: str
    as_of: date
    stored_recommendation: str
    reproduced_recommendation: str
    same: bool


def reproduce_stored(uow: UnitOfWork, assessment_id: int) -> Reproduction:
    """Recompute a stored assessment from its inputs and compare recommendation and indicators."""
    stored = stored_assessment(uow, assessment_id)
    again = reproduce(stored)
    same = (again.recommendation.value == stored.recommendation
            and snapshot(again.indicators) == stored.indicators
            and [c.value for c in again.conditions] == stored.conditions)
    return Reproduction(assessment_id, f"{stored.subject_kind} {stored.subject_key}", stored.as_of,
                        stored.recommendation, again.recommendation.value, same)
