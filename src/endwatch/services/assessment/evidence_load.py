"""`endwatch evidence load`: public datasets as published, read into evidence in one audited write,
then the subjects in play re-assessed. A file with any problem writes nothing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from pathlib import Path

from endwatch.domain.risk.model import Conflict
from endwatch.exchange.reader import file_sha256
from endwatch.services.authz import Action, Principal
from endwatch.services.gate import write
from endwatch.services.uow import UnitOfWork


class Source(StrEnum):
    """The datasets `endwatch evidence load` reads."""

    UCDP_ACD = "ucdp-acd"


@dataclass(frozen=True)
class EvidenceLoadReport:
    """What a load did: records read, new, changed, unchanged; watch-list entries the re-assessment added."""

    file: str
    source: str
    known_on: date
    records: int
    new: int
    changed: int
    unchanged: int
    watchlist_added: int


def _diff_conflicts(stored: dict[str, Conflict], read: list[Conflict]) -> tuple[list[Conflict], int, int]:
    fresh = [c for c in read if stored.get(c.id) != c]
    new = sum(1 for c in fresh if c.id not in stored)
    return fresh, new, len(fresh) - new


def load_evidence(uow: UnitOfWork, principal: Principal, path: Path, source: Source, *, known_on: date,
                  as_of: date | None = None, release: str = "") -> EvidenceLoadReport:
    """Read `path` as `source`, store what is new or changed (known from `known_on`), audit the load, and
    re-assess what is in play as of `as_of` (default: today). Every problem is reported, nothing written."""
    from endwatch.services.assessment.reassessment import reassess_in
    from endwatch.services.assessment.ucdp import read_ucdp

    conflicts = read_ucdp(path, known_on, release=release)
    with write(uow, principal, Action.EVIDENCE_LOAD) as w:
        stored = {c.id: c for c in uow.assessment.conflicts()}
        fresh, new, changed = _diff_conflicts(stored, conflicts)
        if fresh:
            uow.assessment.save_conflicts(fresh)
        reason = f"{source.value} evidence from {path.name}"
        w.record(action="evidence.load", entity="evidence", key=path.name,
                 after={"source": source.value, "sha256": file_sha256(path), "known_on": known_on,
                        "records": len(conflicts), "new": new, "changed": changed,
                        "ids": [c.id for c in fresh]}, reason=reason)
        added = reassess_in(w, as_of or uow.now().date(), f"load of {reason}") if fresh else []
    return EvidenceLoadReport(path.name, source.value, known_on, len(conflicts), new, changed,
                              len(conflicts) - len(fresh), len(added))
