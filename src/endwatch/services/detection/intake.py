"""Sighting intake: a sighting recorded, decided at once, and its photo stored, in ONE write.

The page and the API both come here. Everything — the sighting (numbered inside the transaction), the
findings of the run it triggers, the case it opens or joins with its recommended actions, the re-assessment
that new diversion evidence calls for, and the photo (stored by digest, attached to the case when there is
one) — commits together or not at all. So an answer of Busy (503) or any error means nothing was stored,
and trying the same request again cannot leave a duplicate behind a failed half.

A request whose answer is lost after the commit (a client that timed out) and is sent again would be recorded
twice: a sighting has no natural key that tells a repeat from a second observation (the same serial seen on
the same day by the same source is a legitimate second report). So the client may give a key of its own
(`request_key`, the API's `Idempotency-Key` header): the first request with a key is recorded with it (an
audit entry `sighting.request`, entity `sighting_request`, key `username:key`, in the same transaction), and a
later one with the same key by the same person answers the sighting already stored, recording nothing; the
same key with a different sighting is refused (rule `idempotency-key`).
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass
from pathlib import Path

from endwatch.domain.audit import canonical_json
from endwatch.domain.sightings import Sighting
from endwatch.errors import RuleViolation
from endwatch.services.authz import Action, Principal, require
from endwatch.services.casefiles.evidence import Attached, attach_in, file_digest
from endwatch.services.detection.run import DetectionResult, DetectionRun, _results, detect_in
from endwatch.services.detection.sightings import add_in
from endwatch.services.gate import write
from endwatch.services.uow import UnitOfWork


@dataclass(frozen=True)
class Intake:
    """What recording one sighting did: the sighting as stored, its finding (with its case), the whole run,
    and the photo when one came with it."""

    sighting: Sighting
    result: DetectionResult | None
    run: DetectionRun
    photo: Attached | None


def record_sighting(uow: UnitOfWork, principal: Principal, sighting: Sighting, *, reason: str = "",
                    numbered: bool = True, photo: Path | None = None, store: Path | None = None,
                    reassess: bool = True, request_key: str | None = None) -> Intake:
    """Record `sighting`, decide every undecided sighting observed since its day (it included), and store
    `photo` (already on the evidence store's disk, see casefiles.evidence.staged) in `store`, attached to the
    sighting's case when it has one; all in one transaction.

    Raises Forbidden (before anything is read) unless the principal may record sightings, run detection and,
    with a photo, write case files; InvalidInput naming every wrong field; Busy when the lock cannot be had.
    """
    require(principal, Action.DETECTION_RUN)
    if photo is not None:
        require(principal, Action.CASES_WRITE)
        if store is None:
            raise ValueError("a photo needs the evidence store it goes to")
    digest = file_digest(photo) if photo is not None else None
    with write(uow, principal, Action.SIGHTINGS_WRITE) as w:
        request = f"{principal.username}:{request_key}" if request_key is not None else None
        asked = _fingerprint(sighting, digest[0] if digest else None)
        if request is not None and (earlier := _replayed(uow, request, asked)) is not None:
            return earlier
        stored = add_in(w, sighting, reason=reason, numbered=numbered)
        if request is not None:
            w.record(action="sighting.request", entity=REQUEST_ENTITY, key=request,
                     after={"sighting": stored.id, "fingerprint": asked})
        run = detect_in(w, since=stored.observed_on, reassess=reassess)
        result = next((r for r in run.results if r.finding.sighting_id == stored.id), None)
        attached = None
        if photo is not None and digest is not None and store is not None:
            case_id = result.case_id if result is not None else None
            attached = attach_in(w, store, photo, digest[0], digest[1], case_id, f"photo from sighting {stored.id}")
            if case_id is None:
                # No case to attach it to: the sighting's own entry names the stored photo.
                w.record(action="sighting.photo", entity="sighting", key=stored.id,
                         after={"sha256": attached.sha256, "filename": attached.filename, "size": attached.size})
        return Intake(stored, result, run, attached)


REQUEST_ENTITY = "sighting_request"


def _fingerprint(sighting: Sighting, photo_sha256: str | None) -> str:
    """What a request asked for (the sighting as given, its id aside, and its photo's digest), as a digest."""
    fields = {k: v for k, v in asdict(sighting).items() if k != "id"}
    return hashlib.sha256(canonical_json({"sighting": fields, "photo": photo_sha256}).encode()).hexdigest()


def _replayed(uow: UnitOfWork, request: str, asked: str) -> Intake | None:
    """The outcome of an earlier request with this key (inside the write: no other can record it meanwhile)."""
    entries = uow.audit.for_entity(REQUEST_ENTITY, request)
    if not entries:
        return None
    first = entries[0].after
    if first.get("fingerprint") != asked:
        raise RuleViolation("idempotency-key", f"the key {request.split(':', 1)[1]!r} was already used for another"
                            f" sighting ({first.get('sighting')}): use a new key for a new sighting",
                            [f"sighting {first.get('sighting')}"])
    sighting_id = str(first["sighting"])
    stored = uow.detection.get_sightings([sighting_id])[sighting_id]
    results = _results(uow, uow.detection.findings([sighting_id]), set())
    return Intake(stored, results[0] if results else None, DetectionRun(results, 0), None)
