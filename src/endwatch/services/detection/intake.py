"""Sighting intake: a sighting recorded, decided at once, and its photo stored, in ONE write.

The page and the API both come here. Everything — the sighting (numbered inside the transaction), the
findings of the run it triggers, the case it opens or joins with its recommended actions, the re-assessment
that new diversion evidence calls for, and the photo (stored by digest, attached to the case when there is
one) — commits together or not at all. So an answer of Busy (503) or any error means nothing was stored,
and trying the same request again cannot leave a duplicate behind a failed half.

Not guarded: a request whose answer is lost after the commit (a client that timed out) and is sent again is
recorded twice. A sighting has no natural key that tells a repeat from a second observation (the same serial
seen on the same day by the same source is a legitimate second report), so that needs a key from the client
(an idempotency key), which the API does not take yet.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from endwatch.domain.sightings import Sighting
from endwatch.services.authz import Action, Principal, require
from endwatch.services.casefiles.evidence import Attached, attach_in, file_digest
from endwatch.services.detection.run import DetectionResult, DetectionRun, detect_in
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
                    reassess: bool = True) -> Intake:
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
        stored = add_in(w, sighting, reason=reason, numbered=numbered)
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
