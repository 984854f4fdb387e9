"""Checks: planning one (who, where, when, which kind, on which permits or applications) and recording its
result (the serials found, where, with whom, in what condition; an outcome with reasons). Every write goes
through the gate and is audited; bad input is refused whole, naming each problem, and nothing is written.

What a check expects is what was delivered under its permits by the day it is done: the expected serials are
read from the registry, never typed again (reconcile.py compares them with what was found).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date
from pathlib import Path

from endwatch.errors import InvalidInput, NotFound, Problem
from endwatch.services.assessment.reassessment import Concerns, reassess_in
from endwatch.services.authz import Action, Principal, company_scope, require
from endwatch.services.casefiles.evidence import Attached, attach_in, file_digest
from endwatch.services.gate import Write, write
from endwatch.services.monitoring.programme import CheckKind
from endwatch.services.monitoring.store import Check, FoundItem
from endwatch.services.uow import UnitOfWork

OUTCOMES = ("favourable", "unfavourable")
SOURCES = ("typed", "file", "sighting")
RELIABILITY = "ABCDEF"  # the admiralty grades detection uses for sources (domain/sightings.py)
CREDIBILITY = "123456"


def _check_subjects(uow: UnitOfWork, kind: str, subjects: list[tuple[str, str]], problems: list[Problem]) -> None:
    wanted = "application" if kind == CheckKind.PRE_LICENCE.value else "permit"
    if not subjects:
        problems.append(Problem(f"a {kind} check names at least one {wanted}", column=f"{wanted}s"))
    for subject_kind, key in subjects:
        if subject_kind != wanted:
            problems.append(Problem(f"a {kind} check is on {wanted}s, not on {subject_kind} {key}",
                                    column=f"{wanted}s"))
        elif subject_kind == "permit" and uow.permits.get(key) is None:
            problems.append(Problem(f"unknown permit {key!r}", column="permits"))
        elif subject_kind == "application" and uow.applications.get(key) is None:
            problems.append(Problem(f"unknown application {key!r}", column="applications"))


def open_check(uow: UnitOfWork, principal: Principal, check: Check) -> Check:
    """Plan a check; its id. The grade defaults to A1 for the authority's own staff (`by_authority`)."""
    problems: list[Problem] = []
    if check.kind not in {k.value for k in CheckKind}:
        problems.append(Problem(f"kind {check.kind!r} is not one of {', '.join(k.value for k in CheckKind)}",
                                column="kind"))
    if not check.inspector.strip():
        problems.append(Problem("who checks is required (the inspector)", column="inspector"))
    if check.reliability not in RELIABILITY or len(check.reliability) != 1:
        problems.append(Problem(f"reliability {check.reliability!r} is not one of A to F", column="reliability"))
    if check.credibility not in CREDIBILITY or len(check.credibility) != 1:
        problems.append(Problem(f"credibility {check.credibility!r} is not one of 1 to 6", column="credibility"))
    with write(uow, principal, Action.CHECKS_WRITE) as w:
        _check_subjects(uow, check.kind, list(check.subjects), problems)
        if problems:
            raise InvalidInput(problems)
        stored = replace(check, id=None, inspector=check.inspector.strip(), place=check.place.strip(),
                         done_on=None, outcome=None, reasons="", created_by=principal.username,
                         created_at=uow.now().isoformat(timespec="seconds"))
        check_id = uow.checks.add_check(stored)
        w.record(action="check.open", entity="check", key=str(check_id), after=replace(stored, id=check_id))
    return replace(stored, id=check_id)


def record_result(uow: UnitOfWork, principal: Principal, check_id: int, done_on: date, outcome: str, reasons: str,
                  items: list[FoundItem], photos: Sequence[Path] = (), store: Path | None = None) -> Check:
    """Record what a check found and its outcome (an unfavourable one with its reasons), with the photos taken
    at it (stored in `store`, the evidence store), all in one write: nothing is recorded unless all of it is.
    Recording again replaces the result; the trail keeps both."""
    if photos and store is None:
        raise ValueError("photos need the evidence store they go to")
    problems: list[Problem] = []
    if outcome not in OUTCOMES:
        problems.append(Problem(f"outcome {outcome!r} is not favourable or unfavourable", column="outcome"))
    if outcome == "unfavourable" and not reasons.strip():
        problems.append(Problem("an unfavourable outcome gives its reasons", column="reasons"))
    seen: set[str] = set()
    for n, item in enumerate(items, 1):
        if not item.serial.strip():
            problems.append(Problem("the serial is empty", line=n, column="serial"))
        elif item.serial.strip() in seen:
            problems.append(Problem(f"serial {item.serial.strip()!r} is listed twice", line=n, column="serial"))
        seen.add(item.serial.strip())
        if item.source not in SOURCES:
            problems.append(Problem(f"source {item.source!r} is not one of {', '.join(SOURCES)}", line=n,
                                    column="source"))
    with write(uow, principal, Action.CHECKS_WRITE) as w:
        before = uow.checks.get_check(check_id)
        if before is None:
            raise NotFound("check", str(check_id))
        if done_on > uow.now().date():
            problems.append(Problem(f"{done_on} is after today: a check is recorded once done", column="done_on"))
        for n, item in enumerate(items, 1):
            if item.user_id and uow.parties.get(item.user_id) is None:
                problems.append(Problem(f"unknown party {item.user_id!r}", line=n, column="user_id"))
        if problems:
            raise InvalidInput(problems)
        clean = [replace(i, serial=i.serial.strip(), place=i.place.strip(), user_name=i.user_name.strip(),
                         condition=i.condition.strip(), model=i.model.strip()) for i in items]
        uow.checks.record_result(check_id, done_on, outcome, reasons.strip(), clean)
        for path in photos:
            assert store is not None  # checked above
            _attach_photo(w, store, check_id, path, "")
        after = replace(before, done_on=done_on, outcome=outcome, reasons=reasons.strip())
        w.record(action="check.result", entity="check", key=str(check_id),
                 before={"done_on": before.done_on, "outcome": before.outcome, "reasons": before.reasons},
                 after={"done_on": done_on, "outcome": outcome, "reasons": reasons.strip(), "items": len(clean)})
        if outcome == "unfavourable":
            # The check is evidence for re-assessment (indicator end-use-checks): what its permits' end users,
            # consignees and destinations are in play for is assessed again, in this same write.
            permits = [p for p in (uow.permits.get(k) for k in before.permits) if p is not None]
            concerns = Concerns(countries=frozenset(p.destination for p in permits),
                                parties=frozenset({p.end_user_id for p in permits} | {p.consignee_id for p in permits}))
            reassess_in(w, done_on, f"unfavourable end-use check {check_id}", concerns)
    return after


def as_seen_by(uow: UnitOfWork, scope: str | None, check: Check) -> Check:
    """The check as a company sees it: only its own permits and applications (all of them for the authority)."""
    if scope is None:
        return check
    own = []
    for kind, key in check.subjects:
        record = uow.permits.get(key) if kind == "permit" else uow.applications.get(key)
        if record is not None and record.exporter_id == scope:
            own.append((kind, key))
    return replace(check, subjects=tuple(own))


def visible_check(uow: UnitOfWork, principal: Principal, check_id: int) -> Check:
    """A check the principal may read, inside an open unit of work: an exporter's only when it covers one of the
    exporter's permits or applications, and then cut to those (NotFound otherwise: its existence is not told)."""
    check = uow.checks.get_check(check_id)
    scope = company_scope(principal)
    if check is None:
        raise NotFound("check", str(check_id))
    seen = as_seen_by(uow, scope, check)
    if not seen.subjects:
        raise NotFound("check", str(check_id))
    return seen


def list_checks(uow: UnitOfWork, principal: Principal) -> list[Check]:
    """Every check the principal may see (an exporter: those on its own permits and applications, cut to them)."""
    require(principal, Action.CHECKS_READ)
    scope = company_scope(principal)
    with uow:
        return [as_seen_by(uow, scope, c) for c in uow.checks.list_checks(scope)]


def add_photo(uow: UnitOfWork, principal: Principal, store: Path, check_id: int, path: Path,
              description: str = "") -> Attached:
    """Store a photo taken at a check in the evidence store (content-addressed, as a case's evidence is) and
    name it on the check; audited. The caller has checked what the file is (web/uploads.py's sniffing)."""
    with write(uow, principal, Action.CHECKS_WRITE) as w:
        if uow.checks.get_check(check_id) is None:
            raise NotFound("check", str(check_id))
        return _attach_photo(w, store, check_id, path, description)


def _attach_photo(w: Write, store: Path, check_id: int, path: Path, description: str) -> Attached:
    """Inside a write: the photo stored by its digest and named on the check, audited."""
    sha256, size = file_digest(path)
    attached = attach_in(w, store, path, sha256, size, None, description)
    w.uow.checks.add_photo(check_id, sha256, path.name, w.principal.username)
    w.record(action="check.photo", entity="check", key=str(check_id),
             after={"sha256": sha256, "filename": path.name, "size": size, "description": description})
    return attached
